"""Shared foundations (bottom layer): YAML loading with file:line:col errors, value safety, the validate loop. Pure: no I/O library, no engine code."""
