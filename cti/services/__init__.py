"""Long-lived asyncio shells around the pure cores: the ACD service (router, inboxes, ticks), the dialer (campaign runs, pacing, originate), preview desk, IVR flow library (hot reload)."""
