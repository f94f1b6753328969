"""Test-suite machinery: processes a test owns and ends, and the guards against leftovers."""

from tests.harness._leaks import RUN_MARKER, Leftover, children, marked
from tests.harness._processes import Processes, alive, end_group

__all__ = ["RUN_MARKER", "Leftover", "Processes", "alive", "children", "end_group", "marked"]
