"""The `weishang` command line: the group, shared helpers, and the run, batch and risk commands.

Bad input ends with one line `Error: <file>: <key>: <what is allowed>` and exit code 2,
before anything is written.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from sim.experiments.runs import default_folder, write_run
from sim.model import bundled
from sim.model.model import WeishangModel
from sim.model.network import EdgeListError
from sim.model.scenario import Scenario, ScenarioError, load_scenario, parse_set_options

SUMMARY_KEYS = ("sellers_ever", "sellers_final", "share_in_loss", "median_profit", "retail_reach",
                "income_share_recruiting", "max_depth", "largest_tree", "mean_trust", "complaints")


class InputError(click.ClickException):
    """Bad input: one line, exit code 2."""

    exit_code = 2


def load(name: str, sets: tuple[str, ...], days: int | None, seed: int | None) -> Scenario:
    """Load and validate a scenario with --set, --days and --seed applied; errors are one line."""
    overrides = parse_set_options(sets)
    if days is not None:
        overrides["run.days"] = days
    if seed is not None:
        overrides["run.seed"] = seed
    return load_scenario(bundled.resolve(name), overrides)


def check_out(out: Path) -> None:
    """Fail now, in one line, if the output folder cannot be made (not after a long run)."""
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--out", type=click.Path(path_type=Path), default=Path("results/compare"), show_default=True,
              help="Folder for the runs, comparison.csv and comparison.png.")
@click.option("--force", is_flag=True, help="Replace existing run folders.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or table.")
def compare(scenarios, sets, seed, days, out, force, quiet) -> None:
    """Run several SCENARIOS with the same seed and write a side-by-side figure and table."""
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
    rows, series = [], {}
    for sc in loaded:
        model, seconds = simulate(sc, quiet)
        folder, summary = write_run(model, out / sc.name, seconds, force=True, figures=plots.run_figures)
        rows.append(summary)
        series[sc.name] = read_csv(folder / "timeseries.csv")
    plots.write_comparison(out, rows, series)
    if not quiet:
        print_summaries(names, rows)
        click.echo(f"-> {out / 'comparison.png'}, {out / 'comparison.csv'}")


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


def _batch_options(func):
    for option in reversed([
        click.option("--replicates", "-r", type=click.IntRange(min=1), default=10, show_default=True,
                     help="Runs per scenario (and per parameter point), each with its own seed."),
        click.option("--jobs", "-j", type=click.IntRange(min=1),
                     help="Local worker processes (default: all cores)."),
        click.option("--scheduler", metavar="tcp://HOST:PORT",
                     help="Run on a Dask cluster instead (pip install 'weishang-sim[dask]')."),
        click.option("--out", type=click.Path(path_type=Path),
                     help="Batch folder (default results/runs/KIND-NAMES-seedS)."),
        click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
                     help="Root seed; every run's seed is spawned from it."),
        click.option("--days", type=click.IntRange(min=1), help="Days to simulate (default: the file's)."),
        click.option("--set", "sets", multiple=True, metavar="KEY.PATH=VALUE",
                     help="Override a scenario value."),
        click.option("--no-report", is_flag=True, help="Skip the figures and report."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    ]):
        func = option(func)
    return func


def _launch(kind: str, scenarios: list[Scenario], points: list[dict] | None, opts: dict, out: Path,
            extra: dict | None = None) -> None:
    """Run a batch or sweep with a progress bar, then its tables and report."""
    from sim.experiments.batch import run_batch

    check_out(out)
    command = _reproduce(kind, opts, out)
    with _running(kind, opts["quiet"], out) as progress:
        manifest = run_batch(scenarios, opts["replicates"], out, root_seed=opts["seed"], points=points,
                             jobs=opts["jobs"], scheduler=opts["scheduler"], command=command, kind=kind,
                             extra=extra, progress=progress)
    runs = manifest["runs"].values()
    failed = [r for r in runs if r["status"] == "failed"]
    click.echo(f"{sum(r['status'] == 'done' for r in runs)} runs done, {len(failed)} failed -> {out}")
    for record in failed[:5]:
        click.echo(f"  failed {record['run_id']}: {record['error']}", err=True)
    if not opts["no_report"]:
        from sim.reports.batch_report import write_batch_report

        click.echo(f"report -> {write_batch_report(out)}")


@contextmanager
def _running(kind: str, quiet: bool, out: Path):
    """Around a batch: a progress bar of runs done / failed / remaining with time left (yields its
    callback); bad input as one line; Ctrl-C leaves the folder resumable."""
    from sim.experiments.batch import BatchError

    bar = tqdm(total=None, unit="run", disable=quiet, desc=kind)

    def progress(counts: dict) -> None:
        bar.total = counts["total"]
        bar.n = counts["done"] + counts["failed"]
        bar.set_postfix(done=counts["done"], failed=counts["failed"], remaining=counts["remaining"])
        bar.refresh()

    try:
        yield progress
    except (BatchError, ScenarioError) as exc:
        raise InputError(str(exc)) from None
    except KeyboardInterrupt:
        bar.close()
        click.echo(f"interrupted: finished runs are kept in {out}; run the same command to resume", err=True)
        raise SystemExit(130) from None
    finally:
        bar.close()


def _reproduce(kind: str, opts: dict, out: Path) -> list[str]:
    """The command line that reproduces this batch (recorded in the manifest and report)."""
    words = ["weishang", kind, *opts["names"], "--out", str(out)]
    for vary in opts.get("vary", ()):
        words += ["--vary", vary]
    if opts.get("sample") == "lhs":
        words += ["--sample", "lhs", "--samples", str(opts["samples"])]
    if opts.get("method"):
        words += ["--method", opts["method"], "--samples", str(opts["samples"]), "--target", opts["target"]]
    words += ["--replicates", str(opts["replicates"]), "--seed", str(opts["seed"])]
    if opts["days"]:
        words += ["--days", str(opts["days"])]
    for item in opts["sets"]:
        words += ["--set", item]
    return words


def _default_out(kind: str, names: list[str], seed: int) -> Path:
    return default_folder(f"{kind}-{'-'.join(Path(n).stem for n in names)}", seed)


@main.command()
@click.argument("names", metavar="SCENARIO...", nargs=-1, required=True)
@_batch_options
def batch(names, **opts) -> None:
    """Run replicates of one or more scenarios in parallel; resumable; ends with a report."""
    opts["names"] = names
    try:
        loaded = [load(name, opts["sets"], opts["days"], None) for name in names]
    except ScenarioError as exc:
        raise InputError(str(exc)) from None
    if len({s.name for s in loaded}) != len(loaded):
        raise InputError("scenario names repeat: give distinct scenarios")
    _launch("batch", loaded, None, opts, opts["out"] or _default_out("batch", names, opts["seed"]))


@main.command()
@click.argument("name", metavar="SCENARIO")
@click.option("--vary", multiple=True, required=True, metavar="KEY.PATH=V1,V2,...|LO:HI:N",
              help="A parameter to vary: listed values, or a range (with N grid points).")
@click.option("--sample", type=click.Choice(["grid", "lhs"]), default="grid", show_default=True,
              help="Full grid, or a Latin hypercube over the ranges.")
@click.option("--samples", type=click.IntRange(min=1), help="Points to draw with --sample lhs.")
@_batch_options
def sweep(name, vary, sample, samples, **opts) -> None:
    """Run SCENARIO over a grid or sample of parameter values, with replicates at each point."""
    from sim.experiments.batch import points_by_id
    from sim.experiments.sweep import design, parse_vary

    opts.update(names=[name], vary=vary, sample=sample, samples=samples)
    try:
        scenario = load(name, opts["sets"], opts["days"], None)
        varies = [parse_vary(v) for v in vary]
        points = design(varies, sample, samples, seed=opts["seed"])
        for point in points:  # check every point before anything runs
            scenario.with_overrides(point)
    except ScenarioError as exc:
        raise InputError(str(exc)) from None
    extra = {"vary": [v.key for v in varies], "sample": sample, "points": points_by_id(points)}
    out = opts["out"] or _default_out("sweep", [name], opts["seed"])
    _launch("sweep", [scenario], points, opts, out, extra)


@main.command()
@click.argument("name", metavar="SCENARIO")
@click.option("--vary", multiple=True, required=True, metavar="KEY.PATH=LO:HI",
              help="A lever and the range to explore (repeat for each lever).")
@click.option("--samples", type=click.IntRange(min=1), required=True,
              help="Points (lhs), base size N (sobol: a power of 2), or trajectories (morris).")
@click.option("--method", type=click.Choice(["lhs", "sobol", "morris"]), default="lhs", show_default=True,
              help="Latin hypercube; or a Sobol / Morris design for sensitivity indices.")
@click.option("--target", required=True, metavar="EXPR",
              help="The case of interest: verdict==high, or a metric threshold like share_in_loss>0.9.")
@_batch_options
def explore(name, vary, samples, method, target, **opts) -> None:
    """Find the lever ranges where SCENARIO meets a target (PRIM, decision tree) and rank the levers."""
    from sim.experiments import explore as ex

    opts.update(names=[name], method=method, samples=samples, target=target)
    try:
        scenario = load(name, opts["sets"], opts["days"], None)
        ranges = ex.parse_ranges(vary)
        goal = ex.parse_target(target)
        ex.design(method, ranges, samples, opts["seed"])  # a bad design is refused before anything runs
    except ScenarioError as exc:
        raise InputError(str(exc)) from None
    opts["vary"] = [f"{k}={lo:g}:{hi:g}" for k, (lo, hi) in ranges.items()]
    out = opts["out"] or _default_out("explore", [name], opts["seed"])
    check_out(out)
    with _running("explore", opts["quiet"], out) as progress:
        found = ex.run_explore(scenario, ranges, method, samples, opts["replicates"], goal, out,
                               seed=opts["seed"], jobs=opts["jobs"], scheduler=opts["scheduler"],
                               command=_reproduce("explore", opts, out), progress=progress)
    box = found["prim"].chosen
    click.echo(f"{int(found['frame']['target'].sum())} of {len(found['frame'])} points meet {goal}")
    click.echo(f"PRIM box: {box.rules(ranges)} (coverage {box.coverage:.0%}, density {box.density:.0%})")
    if not opts["no_report"]:
        from sim.experiments.batch import Batch
        from sim.reports.explore_report import write_explore_report

        click.echo(f"report -> {write_explore_report(out, Batch(out).load(), found, ranges)}")


@main.command("patterns")
@click.argument("names", metavar="[SCENARIO]...", nargs=-1)
@click.option("--patterns", "patterns_file", type=click.Path(path_type=Path),
              help="Pattern file (default: the published patterns shipped with the package).")
@click.option("--replicates", "-r", type=click.IntRange(min=1), default=5, show_default=True,
              help="Runs per scenario, each with its own seed.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Local worker processes (default: all cores).")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="Run on a Dask cluster instead (pip install 'weishang-sim[dask]').")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Root seed; every run's seed is spawned from it.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("results/runs/patterns"),
              show_default=True, help="Batch folder for the runs and patterns.md/.html/.csv.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def patterns_command(names, patterns_file, replicates, jobs, scheduler, seed, out, quiet) -> None:
    """Check the model against published patterns: run each SCENARIO (default: every scenario the
    pattern file gives a range for), compare each statistic with its published range."""
    from sim.experiments.patterns import PatternError, check_patterns, load_patterns, prepare

    try:
        found = load_patterns(patterns_file)
        loaded = prepare(list(names), found)  # every scenario checked before anything runs
    except (PatternError, ScenarioError) as exc:
        raise InputError(str(exc)) from None
    check_out(out)
    command = ["weishang", "patterns", *names, *(["--patterns", str(patterns_file)] if patterns_file else []),
               "--replicates", str(replicates), "--seed", str(seed), "--out", str(out)]
    with _running("patterns", quiet, out) as progress:
        try:
            rows = check_patterns(loaded, replicates, out, seed, jobs, scheduler, progress, patterns=found,
                                  patterns_file=patterns_file, command=command)
        except PatternError as exc:
            raise InputError(str(exc)) from None
    from sim.experiments.batch import Batch
    from sim.reports.patterns_report import HEADER, table_cells, write_patterns_report

    runs = Batch(out).load()["runs"].values()
    failed = [r for r in runs if r["status"] == "failed"]
    click.echo(f"{sum(r['status'] == 'done' for r in runs)} runs done, {len(failed)} failed -> {out}")
    for record in failed[:5]:
        click.echo(f"  failed {record['run_id']}: {record['error']}", err=True)
    path = write_patterns_report(out, rows)
    table = [HEADER, *(table_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    for line in table:
        click.echo("  " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    click.echo(f"report -> {path}")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def report(folder) -> None:
    """Write figures, report.md and report.html for a batch or sweep FOLDER."""
    from sim.reports.batch_report import write_batch_report

    if not (folder / "manifest.json").is_file():
        raise InputError(f"{folder}: not a batch folder (no manifest.json); "
                         "give a folder made by weishang batch or sweep")
    click.echo(f"report -> {write_batch_report(folder)}")


@main.command("risk")
@click.argument("target", required=False, type=click.Path(path_type=Path))
@click.option("--data", "data_dir", type=click.Path(path_type=Path),
              help="Score a real network's data folder (participants.csv, orders.csv, payouts.csv).")
@click.option("--out", type=click.Path(path_type=Path), help="Where to write risk.* (default: the target).")
def risk_command(target, data_dir, out) -> None:
    """Pyramid-risk report for a run or batch folder TARGET, or a data folder (--data)."""
    from sim.reports.risk_report import RiskInputError, write_risk
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
        path = write_risk(source, out)
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
    from sim.risk.writer import write_data

    if not (run_dir / "journal.npz").is_file():
        raise InputError(f"{run_dir}: not a run folder (no journal.npz); make one with weishang run")
    if out.exists() and not force:
        raise InputError(f"{out}: exists (use --force to replace it)")
    write_data(from_run(run_dir), out)
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
    click.echo(f"weishang-sim browser view: http://{host}:{port}/  (Ctrl-C to stop)")
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", host, "--port", str(port),
               "--production", "--no-open", "--no-check-version"]
    try:
        raise SystemExit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise SystemExit(0) from None
