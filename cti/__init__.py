"""cti: everything that touches the world, in layers (docs/architecture.md).

cli > ops > app (wiring) > calls (use cases) > services (asyncio shells) > mqtt, reports > agi, ami,
store (adapters). Below cti: the pure domain cores acd/, dialer/, ivr/, then common/.
"""
