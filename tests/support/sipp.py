"""SIPp callers for integration tests: a scenario is built from steps, then run against Asterisk.

Callers come from 127.0.0.2, which pjsip.conf identifies as the `caller` endpoint (context
`hotline`). DTMF is RFC 4733, replayed from the pcaps the sip-tester package ships.
"""

from __future__ import annotations

import asyncio
import contextlib
import atexit
import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

PCAP_DIR = Path("/usr/share/sip-tester")
_ports = itertools.count(5070)

_HEADER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="hotline caller">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{name}" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP {payload} 101
      a=rtpmap:{payload} {codec}/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16
      a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{name}" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
"""

_HANGUP = """  <send>
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{name}" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} BYE
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
"""

_INFO = """  <send>
    <![CDATA[
      INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{name}" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} INFO
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={key}
      Duration=250
    ]]>
  </send>
  <recv response="200"/>
  <pause milliseconds="300"/>
"""

_AWAIT_BYE = """  <recv request="BYE" timeout="{timeout_ms}"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:{caller}@[local_ip]:[local_port]>
      Content-Length: 0
    ]]>
  </send>
"""


@dataclass(frozen=True)
class Pause:
    ms: int


@dataclass(frozen=True)
class Dtmf:
    """Press one key. `rtp`: RFC 4733 events replayed from sip-tester's pcap (about 250 ms).
    The pcaps share one SSRC and their sequence numbers differ, so within one call a later key
    must come from a pcap with a higher sequence number (1 < 7 < 8 < 0 ...) or Asterisk drops
    it as out of order; `info` sends a SIP INFO (application/dtmf-relay) instead, any order."""

    key: str
    via: str = "rtp"

    @property
    def pcap(self) -> Path:
        name = {"*": "star", "#": "pound"}.get(self.key, self.key)
        return PCAP_DIR / f"dtmf_2833_{name}.pcap"


@dataclass(frozen=True)
class PlayAudio:
    """Start playing a pcap's RTP (the caller talks) and go on at once. sip-tester's g711a.pcap is
    7 s of A-law speech: use `call(..., codec="PCMA")` so the call negotiates A-law."""

    pcap: Path = PCAP_DIR / "g711a.pcap"


@dataclass(frozen=True)
class HangUp:
    """The caller hangs up (sends BYE)."""


@dataclass(frozen=True)
class AwaitHangup:
    """Wait for Asterisk to hang up (BYE) and confirm it."""

    timeout_ms: int = 60000


Step = Pause | Dtmf | PlayAudio | HangUp | AwaitHangup
PAYLOADS = {"PCMU": 0, "PCMA": 8}


def scenario(steps: list[Step], caller: str = "5551000", name: str = "Test Caller", codec: str = "PCMU") -> str:
    out = [_HEADER.format(caller=escape(caller), name=escape(name), codec=codec, payload=PAYLOADS[codec])]
    cseq = 1
    for step in steps:
        if isinstance(step, Pause):
            out.append(f'  <pause milliseconds="{step.ms}"/>\n')
        elif isinstance(step, Dtmf) and step.via == "info":
            cseq += 1
            out.append(_INFO.format(caller=escape(caller), name=escape(name), cseq=cseq, key=escape(step.key)))
        elif isinstance(step, Dtmf):
            out.append(f'  <nop><action><exec play_pcap_audio="{step.pcap}"/></action></nop>\n'
                       '  <pause milliseconds="400"/>\n')
        elif isinstance(step, PlayAudio):
            out.append(f'  <nop><action><exec play_pcap_audio="{step.pcap}"/></action></nop>\n')
        elif isinstance(step, HangUp):
            cseq += 1
            out.append(_HANGUP.format(caller=escape(caller), name=escape(name), cseq=cseq))
        else:
            out.append(_AWAIT_BYE.format(caller=escape(caller), timeout_ms=step.timeout_ms))
    out.append('  <ResponseTimeRepartition value="10, 20"/>\n</scenario>\n')
    return "".join(out)


@dataclass(frozen=True)
class SippResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


_live: set[asyncio.subprocess.Process] = set()


def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass


@atexit.register
def kill_leftovers() -> None:
    """A test that failed while its caller task was still running (the task is never cancelled
    when the event loop closes) leaves SIPp running: kill it with the test process."""
    for proc in list(_live):
        _kill(proc)


async def call(workdir: Path, steps: list[Step], *, dialed: str = "10000", caller: str = "5551000",
               timeout_s: float = 90.0, codec: str = "PCMU", target: str = "127.0.0.1:5060") -> SippResult:
    """Place one call from 127.0.0.2 and wait for the scenario to finish. `target`: the node's SIP
    address (sandbox node B: 127.0.0.3:5060)."""
    if not shutil.which("sipp"):
        raise AssertionError("sipp is not installed: run scripts/ensure-system.sh test")
    path = workdir / f"caller-{caller}-{next(_ports)}.xml"
    path.write_text(scenario(steps, caller, codec=codec))
    port = next(_ports)
    proc = await asyncio.create_subprocess_exec(
        "sipp", target, "-sf", str(path), "-s", dialed, "-i", "127.0.0.2", "-p", str(port),
        "-mi", "127.0.0.2", "-mp", str(20000 + 2 * (port % 1000)), "-m", "1", "-nostdin",
        "-timeout", f"{int(timeout_s)}s", "-timeout_error", "-trace_err", "-error_file", str(path) + ".err",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=workdir)
    _live.add(proc)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout_s + 10)
    except asyncio.TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
    except BaseException:  # the test failed or was cancelled: no SIPp may outlive it and hold its port
        _kill(proc)
        with contextlib.suppress(BaseException):  # reaped now, not by a closed event loop later
            await asyncio.wait_for(proc.wait(), 5)
        raise
    finally:
        _live.discard(proc)
    errors = Path(str(path) + ".err")
    tail = errors.read_text(errors="replace")[-2000:] if errors.exists() else ""
    return SippResult(proc.returncode or 0, out.decode(errors="replace")[-3000:], err.decode(errors="replace") + tail)
