"""The HTTP GET behind `lookup` nodes with source http: one JSON object, bounded in time and size.

urllib in a worker thread rather than a hand-written HTTP/1.1 client: it already does TLS,
chunked bodies and redirects, and the lookup is one short request per call. The thread is
bounded by urllib's own socket timeout; the call stops waiting after `timeout_s` either way.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Mapping

MAX_BODY = 256 * 1024


class ServiceFailed(Exception):
    """A lookup or booking could not be done (the flow takes its failure branch)."""

    error_id = "ivr-service-failed"


async def get_json(url: str, timeout_s: float) -> Mapping[str, object] | None:
    """The JSON object at `url`; None for 404 (not found); ServiceFailed for anything else wrong."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(_fetch, url, timeout_s), timeout_s)
    except asyncio.TimeoutError:
        raise ServiceFailed(f"no answer within {timeout_s:g} s") from None


def _fetch(url: str, timeout_s: float) -> Mapping[str, object] | None:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "hotline-ivr"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (http(s) only: schema)
            body = response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise ServiceFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        if isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
            raise ServiceFailed(f"no answer within {timeout_s:g} s") from None
        raise ServiceFailed(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_BODY:
        raise ServiceFailed(f"response larger than {MAX_BODY} bytes")
    try:
        data = json.loads(body)
    except ValueError:
        raise ServiceFailed("response is not JSON") from None
    if not isinstance(data, dict):
        raise ServiceFailed(f"JSON response is a {type(data).__name__}, not an object")
    return data
