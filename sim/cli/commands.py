"""The `weishang` command line: the group, shared helpers, and the run, compare, validate, scenarios,
risk, export-data and serve commands (the batch commands are in `batches`).

Bad input ends with one line `Error: <file>: <key>: <what is allowed>` and exit code 2,
before anything is written. Whatever the command, Ctrl-C ends it with one line and exit code 130,
and a write the file system refuses (disk full, read-only) with one line and exit code 1 (`Main`).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import signal
import time
from pathlib import Path

import click
from tqdm import tqdm

from sim.common.text import cut, short_path
from sim.experiments.runs import default_folder, write_run
from sim.model import bundled
from sim.model.model import WeishangModel
from sim.model.network import EdgeListError
from sim.model.scenario import Scenario, ScenarioError, load_scenario, parse_set_options

SUMMARY_KEYS = ("sellers_ever", "sellers_final", "share_in_loss", "median_profit", "retail_reach",
                "income_share_recruiting", "max_depth", "largest_tree", "mean_trust", "complaints")


# Writes that fail because of where they go, not because of a bug: one line, not a traceback.
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES})


class InputError(click.ClickException):
    """Bad input: one line, exit code 2."""

    exit_code = 2


class Main(click.Group):
    """The `weishang` group: an interrupted command (Ctrl-C, or SIGTERM during a batch) ends with the
    line "interrupted" and exit code 128 + the signal's number; a write refused by the file system
    with "Error: OUT: no space left on device" (or the like) and exit code 1. OUT is the output folder
    a command registered with `check_out`; a command that a re-run resumes sets ctx.meta["resume"]
    and the line says so."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            self._stop(ctx, "interrupted", 128 + getattr(exc, "signum", signal.SIGINT))
        except OSError as exc:
            if exc.errno not in WRITE_FAILURES:
                raise
            # Permission is denied to a file (maybe an input); a full or read-only disk, to the output.
            denied = exc.filename if exc.errno == errno.EACCES else None
            where = denied or ctx.meta.get("out") or exc.filename or "output"
            self._stop(ctx, f"Error: {short_path(where)}: {os.strerror(exc.errno).lower()}", 1)

    @staticmethod
    def _stop(ctx: click.Context, line: str, code: int) -> None:
        if ctx.meta.get("resume"):
            line += "; rerun the same command to resume"
        click.echo(line, err=True)
        ctx.exit(code)


def load(name: str, sets: tuple[str, ...], days: int | None, seed: int | None) -> Scenario:
    """Load and validate a scenario with --set, --days and --seed applied; errors are one line."""
    overrides = parse_set_options(sets)
    if days is not None:
        overrides["run.days"] = days
    if seed is not None:
        overrides["run.seed"] = seed
    return load_scenario(bundled.resolve(name), overrides)


def check_out(out: Path) -> None:
    """Fail now, in one line, if the output folder cannot be made (not after a long run); a write
    that fails later is reported against this folder."""
    click.get_current_context().meta["out"] = out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file, not a folder")


def simulate(scenario: Scenario, quiet: bool = False) -> tuple[WeishangModel, float]:
    """Build and run the model with a progress bar; returns the model and run seconds."""
    start = time.perf_counter()
    try:
        model = WeishangModel(scenario)
    except EdgeListError as exc:
        raise InputError(str(exc)) from None
    days = scenario["run"]["days"]
    with tqdm(total=days, desc=scenario.name, unit="day", disable=quiet, leave=False) as bar:
        model.run(days, progress=lambda _day: bar.update(1))
    return model, time.perf_counter() - start


def print_summaries(names: list[str] | None, summaries: list[dict]) -> None:
    """The key summary metrics, a column per run (headed by its name when names are given)."""
    width = max(len(k) for k in SUMMARY_KEYS)
    if names:
        click.echo(f"  {'':<{width}}  " + "  ".join(f"{n:>14}" for n in names))
    for key in SUMMARY_KEYS:
        cells = [f"{r[key]:,.3f}" if isinstance(r[key], float) else f"{r[key]:,}" for r in summaries]
        click.echo(f"  {key:<{width}}  " + "  ".join(f"{c:>14}" for c in cells))


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="weishang-sim")
def main() -> None:
    """Simulate tiered micro-seller (weishang) networks: trust, stock hoarding, pyramid risk."""


def scenario_options(func):
    func = click.option("--set", "sets", multiple=True, metavar="KEY.PATH=VALUE",
                        help="Override a scenario value, e.g. --set brands.0.quality=0.3")(func)
    func = click.option("--seed", type=click.IntRange(min=0), help="Random seed (default: the file's).")(func)
    func = click.option("--days", type=click.IntRange(min=1), help="Days to simulate (default: the file's).")(
        func)
    return func


@main.command()
@click.argument("scenario")
@scenario_options
@click.option("--out", type=click.Path(path_type=Path), help="Run folder (default results/runs/NAME-seedS).")
@click.option("--force", is_flag=True, help="Replace an existing run folder.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
def run(scenario, sets, seed, days, out, force, quiet) -> None:
    """Run one SCENARIO (a .toml file or a bundled name) and write its run folder."""
    try:
        sc = load(scenario, sets, days, seed)
    except ScenarioError as exc:
        raise InputError(str(exc)) from None
    out = out or default_folder(sc.name, sc["run"]["seed"])
    check_out(out)
    if out.exists() and not force:
        raise InputError(f"{out}: run folder exists (use --force to replace it)")
    from sim.reports.plots import run_figures  # matplotlib is slow to import: only when drawing

    model, seconds = simulate(sc, quiet)
    folder, summary = write_run(model, out, seconds, force=force, figures=run_figures)
    if not quiet:
        click.echo(f"{sc.name} (seed {model.seed}, {model.day} days, {model.people.n:,} people) "
                   f"in {seconds:.1f} s -> {folder}")
        print_summaries(None, [summary])


@main.command()
@click.argument("scenarios", nargs=-1, required=True)
@scenario_options
@click.option("--replicates", "-r", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs per scenario; their seeds are spawned from --seed (or the first scenario's "
                   "seed) as a batch's are, the same in every scenario.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("results/runs/compare"),
              show_default=True, help="Folder for the runs, comparison.csv and comparison.png.")
@click.option("--force", is_flag=True, help="Replace existing run folders.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or table.")
def compare(scenarios, sets, seed, days, replicates, out, force, quiet) -> None:
    """Run several SCENARIOS with the same seed(s) and write a side-by-side figure and table."""
    from sim.experiments.batch import replicate_seeds
    from sim.experiments.runs import read_csv
    from sim.reports import plots

    try:
        loaded = [load(name, sets, days, seed) for name in scenarios]
    except ScenarioError as exc:
        raise InputError(str(exc)) from None
    names = [sc.name for sc in loaded]
    check_out(out)
    if len(set(names)) != len(names):
        raise InputError(f"scenario names repeat ({', '.join(names)}): give distinct scenarios")
    if not force:
        for name in names:
            if (out / name).exists():
                raise InputError(f"{out / name}: run folder exists (use --force to replace it)")
    # One replicate: each scenario's own seed, its run folder OUT/NAME (as before replicates existed).
    # Several: seeds spawned from one root, shared by every scenario so arms differ by mechanism.
    seeds = [None] if replicates == 1 else replicate_seeds(loaded[0]["run"]["seed"], replicates)
    summaries, series = {}, {}
    for sc in loaded:
        summaries[sc.name], series[sc.name] = [], []
        for r, rep_seed in enumerate(seeds):
            arm = sc if rep_seed is None else sc.with_overrides({"run.seed": rep_seed})
            folder = out / sc.name if rep_seed is None else out / sc.name / f"r{r:03d}"
            model, seconds = simulate(arm, quiet)
            folder, summary = write_run(model, folder, seconds, force=True, figures=plots.run_figures)
            summaries[sc.name].append(summary)
            series[sc.name].append(read_csv(folder / "timeseries.csv"))
    plots.write_comparison(out, plots.comparison_rows(summaries), series)
    if not quiet:
        if replicates > 1:
            click.echo(f"mean of {replicates} runs (seeds {', '.join(map(str, seeds))}):")
        print_summaries(names, [_means(runs) for runs in summaries.values()])
        click.echo(f"-> {out / 'comparison.png'}, {out / 'comparison.csv'}")


def _means(runs: list[dict]) -> dict:
    """A scenario's summary metrics, mean over its replicates (the one run's own values when one)."""
    if len(runs) == 1:
        return runs[0]
    return {key: sum(r[key] for r in runs) / len(runs) for key in SUMMARY_KEYS}


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--set", "sets", multiple=True, metavar="KEY.PATH=VALUE", help="Check with overrides.")
def validate(files, sets) -> None:
    """Check scenario FILES; print 'ok' per file or the first problem."""
    for name in files:
        try:
            sc = load(name, sets, None, None)
        except ScenarioError as exc:
            raise InputError(str(exc)) from None
        click.echo(f"ok  {bundled.resolve(name)}  ({sc.name}: {len(sc['brands'])} brand(s), "
                   f"{sc['population']['people']:,} people, {sc['run']['days']} days)")


@main.command()
def scenarios() -> None:
    """List the bundled scenarios with a one-line description each."""
    for path in bundled.paths().values():
        try:
            description = load_scenario(path).description
        except ScenarioError as exc:
            description = f"(invalid: {exc})"
        click.echo(f"{path.stem:<16} {description}")


@main.command("risk")
@click.argument("target", required=False, type=click.Path(path_type=Path))
@click.option("--data", "data_dir", type=click.Path(path_type=Path),
              help="Score a real network's data folder (participants.csv, orders.csv, payouts.csv).")
@click.option("--out", type=click.Path(path_type=Path), help="Where to write risk.* (default: the target).")
def risk_command(target, data_dir, out) -> None:
    """Pyramid-risk report for a run or batch folder TARGET, or a data folder (--data)."""
    from sim.reports.risk_report import RiskInputError, RiskOutputError, write_risk
    from sim.risk.schema import DataError

    if (target is None) == (data_dir is None):
        raise InputError("give a run or batch folder, or --data DIR (one of the two)")
    source = target or data_dir
    if data_dir is not None and not (data_dir / "participants.csv").is_file():
        raise InputError(f"{data_dir}: participants.csv: file not found (a data folder needs "
                         "participants.csv, orders.csv and payouts.csv)")
    if not source.is_dir():
        raise InputError(f"{source}: no such folder")
    if out is not None:
        check_out(out)
    try:
        path = write_risk(source, out, echo=click.echo)  # and the verdict of each brand, a line each
    except RiskOutputError as exc:  # a full disk: not the input's fault
        raise click.ClickException(str(exc)) from None
    except (DataError, RiskInputError) as exc:
        raise InputError(str(exc)) from None
    click.echo(f"risk report -> {path}")


@main.command("export-data")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing OUT folder.")
def export_data(run_dir, out, force) -> None:
    """Write a simulated run in the real-data schema (for `weishang risk --data`)."""
    from sim.risk.convert import from_run
    from sim.risk.schema import DataError
    from sim.risk.writer import write_data

    if not (run_dir / "journal.npz").is_file():
        raise InputError(f"{run_dir}: not a run folder (no journal.npz); make one with weishang run")
    if out.exists() and not force:
        raise InputError(f"{out}: exists (use --force to replace it)")
    try:
        write_data(from_run(run_dir), out)
    except DataError as exc:  # a damaged run folder
        raise InputError(str(exc)) from None
    click.echo(f"data -> {out}")


ASSET_CACHE = Path(__file__).resolve().parents[2] / ".solara_cdn"  # built by `make setup`


@main.command()
@click.argument("scenario", required=False)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only).")
def serve(scenario, port, host) -> None:
    """Open the browser view (Mesa's Solara page); SCENARIO is added to the page's picker."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    if scenario:
        try:
            path = bundled.resolve(scenario)
            load_scenario(path)
        except ScenarioError as exc:
            raise InputError(str(exc)) from None
        env["WEISHANG_SCENARIO"] = str(path.resolve())
    if (ASSET_CACHE / "requirejs@2.3.6").is_dir():  # offline machines: the page's scripts from disk
        env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(ASSET_CACHE))
    app = Path(__file__).resolve().parents[1] / "viz" / "app.py"
    if not _loopback(host):
        click.echo(f"warning: --host {cut(host)} lets other machines on the network open the page "
                   "(127.0.0.1: this machine only)", err=True)
    click.echo(f"weishang-sim browser view: http://{host}:{port}/  (Ctrl-C to stop)")
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", host, "--port", str(port),
               "--production", "--no-open", "--no-check-version"]
    try:
        raise SystemExit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise SystemExit(0) from None


def _loopback(host: str) -> bool:
    """Whether `host` (an address or a name) is reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False
