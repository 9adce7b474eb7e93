"""`weishang calibrate` and `weishang forecast`: fit a scenario to records or published patterns,
then look ahead from the fit with and without interventions.

Every input is checked before anything is written; bad input is one line and exit code 2.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import click
from tqdm import tqdm

from sim.cli.commands import InputError, check_out, load, main
from sim.model.scenario import ScenarioError, param_for


def parse_fit_ranges(vary: tuple[str, ...], scenario) -> dict[str, tuple[float, float]]:
    """`--vary key.path=lo:hi`, each inside the parameter's bounds and valid for the scenario."""
    from sim.experiments.explore import parse_ranges

    ranges = parse_ranges(vary)  # numeric keys, inside their bounds
    for key, (lo, hi) in ranges.items():
        if not lo < hi:
            raise ScenarioError(f"--vary {key}={lo:g}:{hi:g}: the range needs lo < hi")
        param = param_for(key)
        for value in (lo, hi):
            scenario.with_overrides({key: int(round(value)) if type(param.default) is int else value})
    return ranges


def _data_target(scenario, data_dir: Path):
    from sim.experiments.calibration.statistics import align, statistics
    from sim.experiments.calibration.targets import DataTarget
    from sim.risk.schema import read_data

    data = read_data(data_dir)
    alignment = align(data, scenario["brands"], str(data_dir))
    target = DataTarget(scenario, alignment, statistics(data, alignment))
    source = {"kind": "data", "folder": str(data_dir), "days": alignment.days, "months": alignment.months,
              "founders": alignment.founders}
    return target, source


def _pattern_target(scenario, patterns_file: str):
    from sim.experiments.calibration.targets import PatternTarget
    from sim.experiments.patterns import horizon, load_patterns

    found = [p for p in load_patterns(patterns_file or None) if scenario.name in p.ranges]
    if not found:
        raise ScenarioError(f"--patterns: no pattern gives a published range for scenario {scenario.name!r}")
    observed = {p.id: float(sum(p.ranges[scenario.name]) / 2) for p in found}
    days = max(horizon(found), scenario["run"]["days"])
    target = PatternTarget(scenario, days, {p.id: p.statistic for p in found}, observed)
    return target, {"kind": "patterns", "file": patterns_file or "published", "days": 0,
                    "ranges": {p.id: list(p.ranges[scenario.name]) for p in found}}


@main.command()
@click.argument("name", metavar="SCENARIO")
@click.option("--data", "data_dir", type=click.Path(path_type=Path),
              help="Records to fit (the schema of weishang risk --data).")
@click.option("--patterns", "patterns_file", is_flag=False, flag_value="", default=None, metavar="[FILE]",
              help="Fit to published patterns instead (default file: the ones shipped with the package).")
@click.option("--vary", multiple=True, required=True, metavar="KEY.PATH=LO:HI",
              help="A parameter to fit, with its uniform prior range (repeatable).")
@click.option("--particles", type=click.IntRange(min=5), default=100, show_default=True,
              help="Particles per generation (the population size).")
@click.option("--generations", type=click.IntRange(min=1), default=5, show_default=True,
              help="ABC-SMC generations.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Local worker processes (default: all cores).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on a Dask cluster instead.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Calibration seed.")
@click.option("--set", "sets", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario key.")
@click.option("--out", type=click.Path(path_type=Path), help="Calibration folder (default results/runs/...).")
@click.option("--quiet", "-q", is_flag=True, help="No progress.")
def calibrate(name, data_dir, patterns_file, vary, particles, generations, jobs, scheduler, seed, sets, out,
              quiet) -> None:
    """Fit SCENARIO's --vary parameters (ABC-SMC) to records (--data) or to published patterns."""
    import os

    from sim.experiments.calibration.fit import CalibrationError, Settings
    from sim.experiments.calibration.statistics import DataMismatch
    from sim.experiments.patterns import PatternError
    from sim.risk.schema import DataError

    if (data_dir is None) == (patterns_file is None):
        raise InputError("calibrate: give either --data DIR or --patterns [FILE]")
    try:
        scenario = load(name, sets, None, None)
        ranges = parse_fit_ranges(vary, scenario)
        if data_dir is not None:
            target, source = _data_target(scenario, data_dir)
        else:
            target, source = _pattern_target(scenario, patterns_file)
    except (ScenarioError, DataError, DataMismatch, PatternError) as exc:
        raise InputError(str(exc)) from None
    out = out or Path("results/runs") / f"calibrate-{scenario.name}-seed{seed}"
    check_out(out)
    settings = Settings(ranges, particles, generations, seed)
    command = ["weishang", "calibrate", name, *(["--data", str(data_dir)] if data_dir else ["--patterns"]
                                                + ([patterns_file] if patterns_file else [])),
               *(w for k, (lo, hi) in ranges.items() for w in ("--vary", f"{k}={lo:g}:{hi:g}")),
               "--particles", str(particles), "--generations", str(generations), "--seed", str(seed),
               *(w for s in sets for w in ("--set", s)), "--out", str(out)]
    header = {"scenario": scenario.name, "scenario_data": scenario.to_dict(), "target": source,
              "settings": settings.as_json(), "observed": target.observed, "fixed": target.fixed(),
              "days": source["days"], "command": command}
    _fit(target, settings, out, header, jobs or os.cpu_count() or 1, scheduler, quiet, CalibrationError)


def _fit(target, settings, out: Path, header: dict, jobs: int, scheduler, quiet: bool, error) -> None:
    from sim.experiments.batch import BatchError, executor
    from sim.experiments.calibration.fit import predictive_check, run_calibration
    from sim.reports.calibration_report import write_calibration_report

    bar = tqdm(total=settings.particles, unit="particle", disable=quiet, leave=False)
    start = time.perf_counter()

    def on_batch(t: int, accepted: int, wanted: int, evaluated: int) -> None:
        bar.total = wanted
        bar.n = accepted
        bar.set_description("prior sample" if t < 0 else f"generation {t + 1}/{settings.generations}")
        bar.set_postfix(runs=evaluated, acceptance=f"{accepted / max(evaluated, 1):.0%}")
        bar.refresh()

    def on_generation(g: dict) -> None:
        if not quiet:
            bar.clear()
            click.echo(f"generation {g['t'] + 1}/{settings.generations}: epsilon {g['epsilon']:.4g}, "
                       f"acceptance {g['acceptance']:.0%} ({settings.particles} of {g['evaluations']} runs), "
                       f"{time.perf_counter() - start:.0f} s")

    try:
        with executor(jobs, scheduler) as pool:
            record = run_calibration(target, settings, out, header, pool, jobs=jobs, on_batch=on_batch,
                                     on_generation=on_generation)
            bar.close()
            if not quiet:
                click.echo("posterior predictive check ...")
            predictive_check(target, out, settings, pool)
    except (BatchError, error) as exc:
        bar.close()
        raise InputError(str(exc)) from None
    except KeyboardInterrupt:
        bar.close()
        click.echo(f"interrupted: finished generations are kept in {out}; run the same command to resume",
                   err=True)
        raise SystemExit(130) from None
    if record.get("stopped"):
        click.echo(f"stopped early: {record['stopped']}")
    click.echo(f"posterior -> {out / 'posterior.csv'}  ({time.perf_counter() - start:.0f} s)")
    click.echo(f"report -> {write_calibration_report(out)}")


@main.command()
@click.argument("folder", metavar="CALIBRATION_DIR", type=click.Path(path_type=Path))
@click.option("--days", type=click.IntRange(min=1), required=True,
              help="Days to look ahead past the records.")
@click.option("--intervention", "interventions", multiple=True, metavar="ACTION[:KEY=VALUE...][@DAY]",
              help="A lever to compare with doing nothing (repeatable); DAY defaults to the records' end.")
@click.option("--replicates", "-r", type=click.IntRange(min=1), default=20, show_default=True,
              help="Posterior draws (each run without and with every intervention).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Local worker processes (default: all cores).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on a Dask cluster instead.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Forecast seed.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Forecast folder (default CALIBRATION_DIR/forecast).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def forecast(folder, days, interventions, replicates, jobs, scheduler, seed, out, quiet) -> None:
    """Run from CALIBRATION_DIR's posterior for --days past the records, with and without each lever."""
    from sim.experiments.batch import BatchError
    from sim.experiments.calibration import forecast as fc
    from sim.experiments.calibration.fit import CalibrationError
    from sim.model.scenario import Scenario
    from sim.reports.forecast_report import write_forecast_report

    try:
        record = fc.load_calibration(folder)
        record["folder"] = str(folder)
        base = Scenario(record["scenario_data"], None)
        now = int(record["days"])
        variants = [fc.Variant(fc.BASELINE), *(fc.parse_intervention(t, now) for t in interventions)]
        if len({v.label for v in variants}) < len(variants):
            raise ScenarioError("--intervention: the same intervention is given twice")
        lows = {k: lo for k, (lo, _) in record["settings"]["ranges"].items()}
        for v in variants:  # every lever checked against the scenario before anything runs
            fc.variant_scenario(base, lows, record.get("fixed", {}), v, int(record["days"]) + days)
    except (CalibrationError, ScenarioError) as exc:
        raise InputError(str(exc)) from None
    out = out or folder / "forecast"
    check_out(out)
    bar = tqdm(total=replicates * len(variants), unit="run", disable=quiet, leave=False, desc="forecast")
    try:
        table, paths = fc.run_forecast(record, base, variants, days, replicates, seed, jobs, scheduler,
                                       progress=lambda n, total: bar.update(1))
    except BatchError as exc:
        raise InputError(str(exc)) from None
    except KeyboardInterrupt:
        bar.close()
        click.echo("interrupted: nothing written", err=True)
        raise SystemExit(130) from None
    bar.close()
    summary = fc.averted(table, variants)
    command = ["weishang", "forecast", str(folder), "--days", str(days),
               *(w for t in interventions for w in ("--intervention", t)),
               "--replicates", str(replicates), "--seed", str(seed), "--out", str(out)]
    fc.write_forecast(out, table, paths, summary, {"calibration": str(folder), "scenario": record["scenario"],
                                                    "records_days": int(record["days"]), "days": days,
                                                    "replicates": replicates, "seed": seed,
                                                    "command": shlex.join(command)})
    for row in summary:
        click.echo(f"  {row['variant']}: {row['participants']:,.0f} participants, losses "
                   f"{row['losses']:,.0f} yuan, averted {row['losses_averted']:,.0f} "
                   f"[{row['losses_averted_lo']:,.0f}, {row['losses_averted_hi']:,.0f}], "
                   f"verdict {row['verdict']}")
    click.echo(f"report -> {write_forecast_report(out)}")
