"""Loaded at start-up by every Python process whose PYTHONPATH holds this folder (the tests' fault
subprocesses only): injects the faults named in the environment (tests/faultinject.py)."""

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))
import faultinject  # noqa: E402

faultinject.from_environment()
