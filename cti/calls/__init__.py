"""Call use cases: one coroutine owns one call (inbound IVR and queue, outbound AMD and safe harbor, consults, desk actions)."""
