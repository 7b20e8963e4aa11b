"""App wiring (top of the engine): the composition root (`engine.py`), engine config, logging, the control socket."""
