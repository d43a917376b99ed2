"""Hotspot statistics: pure functions on frames and arrays (no I/O, no UI)."""
