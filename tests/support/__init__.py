"""Helpers shared by tests: polling with deadlines, a cuttable TCP proxy."""
