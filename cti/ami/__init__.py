"""AMI: panoramisk's protocol behind our wrapper (whole-message decoding, timeouts, backoff)."""

from cti.ami.client import AmiClient, AmiError, AmiNotConnected
from cti.ami import events

__all__ = ["AmiClient", "AmiError", "AmiNotConnected", "events"]
