"""Reliability checks run against real servers: several instances behind nginx, and fuzzing."""
