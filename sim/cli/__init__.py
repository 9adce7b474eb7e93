"""The `weishang` command line (`main`): the commands in `commands`, the batch commands in `batches`,
calibrate and forecast in `fitting`."""

from sim.cli import batches, fitting  # noqa: F401  (register their commands on main)
from sim.cli.commands import main

__all__ = ["main"]
