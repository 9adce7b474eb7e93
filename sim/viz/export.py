"""Export: the page's run, as it stands, saved as a run folder, the files `weishang run` writes
(written by the same writer, `sim.experiments.runs.write_run`, figures included), so `weishang risk`
and `weishang report` read it like any other run. The folder's meta.json holds the scenario with the
page's levers applied, the seed and the day reached.

Folders go under ./results/runs of the server's working directory (as `weishang run`), or under
$WEISHANG_EXPORT_DIR when set. The page names a folder, not a path: a name is letters, digits,
dots, dashes and underscores, and an existing folder is never replaced.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sim.experiments.runs import RUNS, write_run

EXPORT_DIR = "WEISHANG_EXPORT_DIR"
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")


class ExportError(ValueError):
    """An export that cannot be made; str() is one line for the page."""


def folder_root() -> Path:
    return Path(os.environ.get(EXPORT_DIR) or RUNS)


def default_name(model) -> str:
    """NAME-seedS-dayD: the scenario, seed and day of the page's run."""
    return f"{model.config.name}-seed{model.seed}-day{model.day}"


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def export(model, name: str = "") -> Path:
    """Write the model's run folder `root/name` (default: `default_name`); returns the folder."""
    name = name.strip() or default_name(model)
    if not NAME.fullmatch(name):
        raise ExportError(f"folder name {_short(name)!r} is not allowed (allowed: letters, digits, '.', '-', "
                          "'_'; up to 100, not starting with '.' or '-')")
    folder = folder_root() / name
    if folder.exists():
        raise ExportError(f"{_short(str(folder))}: exists (choose another name)")
    from sim.reports.plots import run_figures  # matplotlib is slow to import: only when exporting

    try:
        return write_run(model, folder, model.seconds if hasattr(model, "seconds") else 0.0,
                         figures=run_figures).folder
    except FileExistsError:  # made by someone else meanwhile
        raise ExportError(f"{_short(str(folder))}: exists (choose another name)") from None
    except OSError as exc:
        raise ExportError(f"{_short(str(folder))}: cannot write ({exc.strerror or exc})") from None
