"""Unit tests run beside the integration tests (scripts/run-tests.sh), on a busy machine: property
tests check properties, not speed (speed is for bench/), so Hypothesis has no per-example deadline."""

from hypothesis import settings

settings.register_profile("hotline", deadline=None)
settings.load_profile("hotline")
