"""Run folders: written atomically (build in a temporary folder, then rename), read back.

A run folder holds `timeseries.csv` (a row a day), `agents.csv` (a row per person who was
ever a seller), `ledger.csv` (totals by kind), `summary.json` (final figures), `meta.json`
(the resolved scenario and its hash, seed, versions, git commit and dirty flag), `timing.json`
(the run's wall time), `journal.npz` (every ledger entry) and, when the caller draws them, PNG
figures. Every file but `timing.json` (VOLATILE) is the same, byte for byte, for the same code,
scenario and seed. The atomic writers live in `sim.common.files`, shared with the batch engine,
the reports and the real-data schema.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import platform
import subprocess
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.common.files import atomic_folder, write_csv, write_json, write_npz
from sim.model import metrics
from sim.model.ledger import KINDS

if TYPE_CHECKING:
    from sim.model.model import WeishangModel

SOURCE = Path(__file__).resolve().parents[2]  # the checkout (or site-packages) the package runs from
RUNS = Path("results") / "runs"  # generated output, under the working directory
VOLATILE = ("timing.json",)  # the files of a run folder that differ between two runs of the same seed


def default_folder(name: str, seed: int) -> Path:
    """Where a run goes unless told: ./results/runs/NAME-seedS of the working directory."""
    return RUNS / f"{name}-seed{seed}"


# Every installed package whose version can change a result (or the figures of one): the model's
# numerics, its graph and tables, the designs, intervals and fits of the experiments, the figures.
PACKAGES = ("weishang-sim", "numpy", "scipy", "pandas", "networkx", "numba", "mesa", "SALib", "scikit-learn",
            "matplotlib", "pyabc")


@functools.cache  # installed versions don't change under a running process; reading them does cost
def versions() -> dict[str, str]:
    """Versions of Python, of the packages a result depends on, and the platform it ran on."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for package in PACKAGES:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


@functools.cache
def environment() -> list[str]:
    """The installed packages as name==version, sorted: a lock of the environment a result came
    from (`pip install` of these lines rebuilds it)."""
    found = {f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"]}
    return sorted(found, key=str.lower)


@functools.cache
def environment_hash() -> str:
    """A short digest of `environment()`: two results with the same one came from the same packages."""
    return hashlib.sha256("\n".join(environment()).encode()).hexdigest()[:16]


def git_commit() -> str | None:
    """The commit of the checkout the package runs from, with '+dirty' if changed; None outside git."""
    if not (SOURCE / ".git").exists():  # installed from a wheel: not a checkout
        return None
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=SOURCE, capture_output=True, text=True,
                              timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=SOURCE,
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def scenario_hash(data: Mapping) -> str:
    """A short digest of a resolved scenario (every value, overrides applied): two results with the
    same hash, seed and versions come from the same inputs."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def provenance(scenario: Mapping | None = None) -> dict:
    """What a result was made with, for meta.json and manifest.json: the versions, the git commit
    ('+dirty' when tracked files were changed; None outside a checkout), git_dirty on its own (None
    outside a checkout), the whole environment as a lock (every installed package's version) with
    its digest, to compare two results at a glance, and, given a resolved scenario, its hash."""
    commit = git_commit()
    out = {"versions": versions(), "git_commit": commit,
           "git_dirty": None if commit is None else commit.endswith("+dirty"),
           "environment_hash": environment_hash(), "environment": environment()}
    if scenario is not None:
        out["scenario_hash"] = scenario_hash(scenario)
    return out


def series_rows(model_vars: Mapping[str, list]) -> list[dict]:
    """The DataCollector's columns as one dict per day."""
    names = list(model_vars)
    return [dict(zip(names, values, strict=True)) for values in zip(*model_vars.values(), strict=True)]


RunFigures = Callable[[Sequence[Mapping], Path, str], object]
"""Draws a run's figures: (daily rows, folder, title); `sim.reports.plots.run_figures` is one."""


class WrittenRun(NamedTuple):
    """A run folder just written, and the summary metrics it holds (computed once, for printing too)."""

    folder: Path
    summary: dict


def write_run(model: WeishangModel, folder: Path, run_seconds: float, force: bool = False,
              figures: RunFigures | None = None) -> WrittenRun:
    """Write everything about a finished run into `folder`, atomically.

    `figures` draws the run's PNGs into the folder before it is moved into place; the experiments
    cannot import the reports (they sit above), so the command that wants figures passes the
    drawing function, and batch workers pass none (matplotlib is slow to import, and a batch's
    report draws its own figures across replicates).
    """
    rows = series_rows(model.datacollector.model_vars)
    summary = metrics.summary(model)
    agents = metrics.agents_table(model)
    meta = {
        "scenario": model.config.to_dict(), "scenario_file": str(model.config.path or ""),
        "seed": model.seed, "days": model.day, **provenance(model.config.data),
        "tiers": {b.name: [t["name"] for t in b.tiers] for b in model.brands},
        "brands": [b.name for b in model.brands], "accounts": model.ledger.account_map(),
    }

    def build(tmp: Path) -> None:
        write_csv(tmp / "timeseries.csv", rows)
        write_csv(tmp / "agents.csv", agents, AGENT_COLUMNS)
        write_csv(tmp / "ledger.csv", model.ledger.totals())
        write_json(tmp / "summary.json", summary)
        write_json(tmp / "meta.json", meta)
        write_json(tmp / "timing.json", {"run_seconds": round(run_seconds, 3)})  # apart: it varies
        # Every ledger entry, for the risk indicators and `weishang export-data`.
        write_npz(tmp / "journal.npz", {**model.ledger.journal(), "kinds": np.array(KINDS)})
        if figures:
            figures(rows, tmp, model.config.name)

    return WrittenRun(atomic_folder(folder, build, force), summary)


AGENT_COLUMNS = ["id", "strategy", "brand", "tier", "join_day", "exit_day", "first_exit_day", "spells",
                 "upline", "depth", "recruits", "stock_units", "paid", "received", "net_profit",
                 "time_value", "profit_after_time", "wealth_at_start", "complaints", "income_posts",
                 "mean_income_claimed"]


def read_csv(path: Path) -> list[dict]:
    """Rows of a CSV written here, numbers parsed back."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def _number(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
