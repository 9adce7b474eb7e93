"""The batch commands: batch, sweep, explore, patterns, report, query and export (registered on `main`).

They share the batch engine (`sim.experiments.batch`): resumable folders, a progress bar of runs,
and on resume a count of the runs found complete and skipped.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from sim.cli.commands import InputError, check_out, load, main
from sim.common.text import short_path
from sim.experiments.runs import default_folder
from sim.model.scenario import Scenario, ScenarioError


def _batch_options(func):
    for option in reversed([
        click.option("--replicates", "-r", type=click.IntRange(min=1), default=10, show_default=True,
                     help="Runs per scenario (and per parameter point), each with its own seed."),
        click.option("--jobs", "-j", type=click.IntRange(min=1),
                     help="Local worker processes (default: all cores)."),
        click.option("--scheduler", metavar="tcp://HOST:PORT",
                     help="Run on a Dask cluster instead (pip install -e '.[dask]' in the checkout)."),
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
    with _running(kind, opts["quiet"]) as progress:
        manifest = run_batch(scenarios, opts["replicates"], out, root_seed=opts["seed"], points=points,
                             jobs=opts["jobs"], scheduler=opts["scheduler"], command=command, kind=kind,
                             extra=extra, progress=progress)
    _print_done(manifest, progress.counts.get("skipped", 0), out)
    if not opts["no_report"]:
        from sim.reports.batch_report import write_batch_report

        click.echo(f"report -> {write_batch_report(out)}")


def _print_done(manifest: dict, skipped: int, out: Path) -> None:
    """Runs done (and how many of them a resume found complete), runs failed and the first errors."""
    runs = manifest["runs"].values()
    failed = [r for r in runs if r["status"] == "failed"]
    done = sum(r["status"] == "done" for r in runs)
    resumed = f" ({skipped} already complete, skipped)" if skipped else ""
    click.echo(f"{done} runs done{resumed}, {len(failed)} failed -> {out}")
    for record in failed[:5]:
        click.echo(f"  failed {record['run_id']}: {record['error']}", err=True)


class _Progress:
    """The progress callback of a batch: moves the bar and keeps the last counts."""

    def __init__(self, bar: tqdm) -> None:
        self.bar, self.counts = bar, {}

    def __call__(self, counts: dict) -> None:
        self.counts = dict(counts)
        self.bar.total = counts["total"]
        self.bar.n = counts["done"] + counts["failed"]
        self.bar.set_postfix(done=counts["done"], failed=counts["failed"], remaining=counts["remaining"])
        self.bar.refresh()


@contextmanager
def _running(kind: str, quiet: bool):
    """Around a batch: a progress bar of runs done / failed / remaining with time left (yields its
    callback); bad input as one line; the folder resumable after Ctrl-C, a full disk or a dead
    worker (`Main` prints the line for the first two)."""
    from sim.experiments.batch import BatchError, BatchStopped

    click.get_current_context().meta["resume"] = True
    bar = tqdm(total=None, unit="run", disable=quiet, desc=kind)
    try:
        yield _Progress(bar)
    except (BatchError, ScenarioError) as exc:
        raise InputError(str(exc)) from None
    except BatchStopped as exc:
        raise click.ClickException(str(exc)) from None
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
    with _running("explore", opts["quiet"]) as progress:
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
              help="Run on a Dask cluster instead (pip install -e '.[dask]' in the checkout).")
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
    with _running("patterns", quiet) as progress:
        try:
            rows = check_patterns(loaded, replicates, out, seed, jobs, scheduler, progress, patterns=found,
                                  patterns_file=patterns_file, command=command)
        except PatternError as exc:
            raise InputError(str(exc)) from None
    from sim.experiments.batch import Batch
    from sim.reports.patterns_report import HEADER, table_cells, write_patterns_report

    _print_done(Batch(out).load(), progress.counts.get("skipped", 0), out)
    path = write_patterns_report(out, rows)
    table = [HEADER, *(table_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    for line in table:
        click.echo("  " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    click.echo(f"report -> {path}")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def report(folder) -> None:
    """Write figures, report.md and report.html for a batch or sweep FOLDER, or a run folder."""
    from sim.reports.batch_report import write_batch_report, write_run_report

    if (folder / "manifest.json").is_file():
        click.echo(f"report -> {write_batch_report(folder)}")
    elif all((folder / name).is_file() for name in ("meta.json", "summary.json", "timeseries.csv")):
        click.echo(f"report -> {write_run_report(folder)}")
    else:
        raise InputError(f"{folder}: not a batch or run folder (no manifest.json or meta.json); "
                         "give a folder made by weishang batch, sweep or run")


SHOWN_ROWS = 100  # rows `weishang query` prints; --csv writes them all


@main.command()
@click.argument("folder", metavar="BATCH", type=click.Path(path_type=Path))
@click.argument("sql")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the whole result to this CSV file instead of printing it.")
def query(folder, sql, csv_file) -> None:
    """Run SQL (DuckDB) over a batch's tables: series (every run's days, with run_id, scenario,
    point_id, replicate), summary (a row a run) and manifest (a row a planned run)."""
    from sim.experiments.store import StoreError, write_table_csv
    from sim.experiments.store import query as run_query

    try:
        table = run_query(folder, sql)
    except StoreError as exc:
        raise InputError(str(exc)) from None
    if csv_file is not None:
        check_out(csv_file)
        write_table_csv(table, csv_file)
        click.echo(f"{table.num_rows:,} rows -> {csv_file}")
        return
    _print_table(table.column_names, table.slice(0, SHOWN_ROWS).to_pylist())
    if table.num_rows > SHOWN_ROWS:
        click.echo(f"({table.num_rows:,} rows, the first {SHOWN_ROWS} shown; --csv FILE writes them all)")


def _print_table(names: list[str], rows: list[dict]) -> None:
    def cell(v: object) -> str:
        return "" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v)

    cells = [names, *([cell(r[n]) for n in names] for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(names))]
    for k, line in enumerate(cells):
        click.echo("  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if k == 0:
            click.echo("  ".join("-" * w for w in widths))


@main.command("export")
@click.argument("folder", metavar="BATCH", type=click.Path(path_type=Path))
@click.option("--csv", "out", type=click.Path(path_type=Path), required=True,
              help="Folder to write series.csv and summary.csv into.")
@click.option("--force", is_flag=True, help="Replace the folder if it exists.")
def export(folder, out, force) -> None:
    """Write a batch's series (every done run's days) and summary as CSV files in a folder."""
    from sim.experiments.store import StoreError, export_csv

    check_out(out)
    if out.exists() and not force:
        raise InputError(f"{short_path(out)}: exists (use --force to replace it)")
    try:
        click.echo(f"series.csv, summary.csv -> {export_csv(folder, out, force)}")
    except StoreError as exc:
        raise InputError(str(exc)) from None
