"""Dialer domain errors: each carries a stable ``error_id`` slug that CTI error replies reuse."""

from __future__ import annotations


class DialerError(Exception):
    error_id = "dialer_error"
