"""The `weishang` command line (`main`): the commands in `commands`, calibrate and forecast in
`fitting`."""

from sim.cli import fitting  # noqa: F401  (registers calibrate and forecast on main)
from sim.cli.commands import main

__all__ = ["main"]
