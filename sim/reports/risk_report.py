"""The regulator's report: `weishang risk` on a run, a batch, or a real network's data folder.

Every group (a scenario - at a sweep point, per brand - or a data set) is scored with
`sim.risk.indicators.score` on each replicate; the table gives each indicator's mean and 95% interval
across replicates (clipped to the values the indicator can take), the verdict most replicates
reach, and its legal basis. Where a scenario has interventions, the run is also scored before and
from the first intervention day. Writes `risk.json` (strict JSON: null where there is no value),
`risk.md`, `risk.html` (self-contained) and `risk_figures/`, all four or none: they are built in a
hidden folder beside them and moved into place once complete.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.common.files import atomic_folder, write_json
from sim.common.intervals import interval
from sim.common.text import cut
from sim.reports.render import fmt, write_pages
from sim.reports.risk_groups import RiskGroup
from sim.risk import indicators as risk
from sim.risk.convert import from_run
from sim.risk.schema import NetworkData, read_data
from sim.risk.spec import SPEC, value_range

RANK = {"n/a": -1, "low": 0, "elevated": 1, "high": 2}
# Indicators that a period's own orders and payouts measure fairly (see _before_after).
PERIOD_INDICATORS = ("retail_reach", "recruiting_income_share", "team_pay", "payout_ratio", "largest_tree")


class RiskInputError(ValueError):
    """A target that is neither a run, a batch nor a data folder; str() is one line."""


class RiskOutputError(RiskInputError):
    """The report could not be written (disk full, no permission); str() is one line. A kind of
    RiskInputError so that whoever reports those in one line reports this too."""


def _periods(data: NetworkData, interventions: list[dict]) -> list[tuple[str, NetworkData]]:
    """The whole period, and before / from the first intervention day when there is one."""
    periods = [("whole period", data)]
    days = sorted({i["day"] for i in interventions if 0 < i["day"] < data.days})
    if days:
        first = days[0]
        periods += [(f"before day {first}", data.window(0, first)),
                    (f"from day {first}", data.window(first, data.days))]
    return periods


def _add(groups: dict, label: str, data: NetworkData, interventions: list[dict]) -> None:
    brands = data.brands()
    for brand in brands:
        part = data.for_brand(brand) if len(brands) > 1 else data
        name = f"{label} / {brand}" if len(brands) > 1 else label
        for period, window in _periods(part, interventions):
            group = groups.setdefault((name, period), RiskGroup(name, period))
            group.results.append(risk.score(window))
            group.data.append(window)


def collect(target: Path) -> tuple[str, list[RiskGroup], dict]:
    """Score a run folder, a batch folder or a data folder; returns (kind, groups, info)."""
    target = Path(target)
    groups: dict[tuple[str, str], RiskGroup] = {}
    if (target / "manifest.json").is_file():
        manifest = _json(target / "manifest.json")
        runs = manifest.get("runs", {})
        several = len({r["point_id"] for r in runs.values()}) > 1
        done = [(run_id, r) for run_id, r in sorted(runs.items()) if r["status"] == "done"]
        for run_id, record in done:
            run = target / "runs" / run_id
            if not (run / "journal.npz").is_file():
                continue
            meta = _json(run / "meta.json")
            label = f"{record['scenario']} {record['point_id']}" if several else record["scenario"]
            _add(groups, label, from_run(run), meta["scenario"].get("interventions", []))
        if done and not groups:  # a committed batch (results/reference): runs/ is not in git
            raise RiskInputError(f"{target}: the {len(done)} completed runs of this batch are not in runs/ "
                                 "(not committed); re-run the batch command in its manifest.json first")
        info = {"command": " ".join(manifest.get("command") or []), "root_seed": manifest["root_seed"]}
        kind = manifest.get("kind", "batch")
    elif (target / "journal.npz").is_file():
        meta = _json(target / "meta.json")
        _add(groups, meta["scenario"]["meta"]["name"], from_run(target),
             meta["scenario"].get("interventions", []))
        info = {"seed": meta["seed"], "scenario_file": meta.get("scenario_file", "")}
        kind = "run"
    elif (target / "participants.csv").is_file():
        _add(groups, target.name, read_data(target), [])
        info = {"data": str(target)}
        kind = "data"
    else:
        raise RiskInputError(f"{target}: not a run folder (journal.npz), a batch folder (manifest.json) "
                             "or a data folder (participants.csv, orders.csv, payouts.csv)")
    if not groups:
        raise RiskInputError(f"{target}: no completed run to score")
    return kind, list(groups.values()), info


def _json(path: Path) -> dict:
    """A run's or a batch's JSON record; a missing or damaged one is a one-line RiskInputError."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RiskInputError(f"{path}: cannot read ({cut(getattr(exc, 'strerror', None) or str(exc))})"
                             ) from None


def _verdict(verdicts: list[str]) -> tuple[str, str]:
    """The verdict most replicates reach (ties go to the graver one), and the counts."""
    counts = Counter(verdicts)
    best = max(counts, key=lambda v: (counts[v], RANK[v]))
    shown = ", ".join(f"{v} {counts[v]}" for v in sorted(counts, key=RANK.get, reverse=True))
    return best, shown


def summarise(group: RiskGroup) -> dict:
    """A group's indicators across replicates: mean, interval, verdict, basis."""
    first = group.results[0]
    rows = []
    for k, ind in enumerate(first.indicators):
        values = np.array([r.indicators[k].value for r in group.results if r.indicators[k].value is not None],
                          dtype=float)
        verdict, counts = _verdict([r.indicators[k].verdict for r in group.results])
        mean, lo, hi = (None, None, None)
        if values.size:
            # With few replicates the t-interval leaves the possible range: a share below 0, say.
            m, low, high = (float(np.clip(a[0], *value_range(ind.key))) for a in interval(values[:, None]))
            mean, lo, hi = (_finite(m), _finite(low), _finite(high))
        rows.append({"key": ind.key, "name": ind.name, "unit": ind.unit, "threshold": ind.threshold,
                     "basis": ind.basis, "explanation": ind.explanation, "mean": mean, "lo": lo, "hi": hi,
                     "verdict": verdict, "verdicts": counts, "replicates": len(group.results),
                     "detail": ind.detail if len(group.results) == 1 else None})
    overall, counts = _verdict([r.overall for r in group.results])
    return {"label": group.label, "period": group.period, "replicates": len(group.results),
            "overall": overall, "overall_counts": counts, "indicators": rows}


def _finite(x: float) -> float | None:
    """x, or None (JSON null) for NaN and infinities: one replicate has no interval."""
    return x if math.isfinite(x) else None


def plain(value: object) -> object:
    """`value` as strict JSON data: NaN and infinities become None, numpy scalars plain numbers
    (json.dump would write NaN, which JSON does not have, and strings for numpy integers)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _finite(float(value))
    return value if value is None or isinstance(value, str) else str(value)


def _number(key: str, x: float | None) -> str:
    """A value as the table shows it; past the indicator's `most` only "> most" (a stock of
    892,414 days of sales says no more than that sales have stopped)."""
    most = SPEC[key].get("most")
    if x is None:
        return "-"
    return f"> {fmt(most)}" if most is not None and x > most else fmt(x)


def _cell(row: dict) -> str:
    if row["mean"] is None:
        return "n/a"
    mean, lo, hi = (_number(row["key"], row[k]) for k in ("mean", "lo", "hi"))
    return mean if row["replicates"] < 2 else f"{mean} [{lo}, {hi}]"


def verdict_lines(summaries: list[dict]) -> list[str]:
    """One short line per group (scenario, point, brand or data set) with its overall verdict."""
    lines = []
    for s in summaries:
        if s["period"] == "whole period":
            counts = f" (replicates: {s['overall_counts']})" if s["replicates"] > 1 else ""
            lines.append(f"  {cut(s['label'])}: {s['overall']}{counts}")
    return lines


LIGHT = {"high": "🔴 high", "elevated": "🟠 elevated", "low": "🟢 low", "n/a": "⚪ n/a"}


def risk_document(kind: str, summaries: list[dict], info: dict, figures: list[tuple]) -> list[tuple]:
    """The risk report as blocks (see `sim.reports.render`): how to read it, a verdict table per
    group, before / after an intervention, the evidence figures."""
    title = "Pyramid-risk report"
    blocks: list[tuple] = [("h1", title)]
    if kind == "data":
        blocks.append(("p", f"Scored from the data folder {info['data']} (participants.csv, orders.csv, "
                            "payouts.csv) with the same code that scores simulated runs."))
    elif kind == "run":
        blocks.append(("p", f"One simulated run (seed {info['seed']}; {info['scenario_file']}). Values "
                            "are single numbers: run a batch for intervals across replicates."))
    else:
        blocks.append(("p", f"A {kind}: each value is the mean over replicates with its 95% confidence "
                            "interval [Student t]; the verdict is the one most replicates reach "
                            "(counts in the last column)."))
        blocks.append(("code", info["command"]))
    blocks += [("h2", "How to read it"),
               ("p", "Each indicator is measured from the orders, the payouts and the recruitment tree only, "
                     "and compared with a threshold taken from the law, ruling or guidance it names. "
                     f"Overall verdict: {risk.RULE}."),
               ("p", "Net results and losses count money only: unsold stock is valued at zero (what it "
                     "fetches without a buyback), and people in for under 90 days are not judged yet.")]
    for s in summaries:
        if s["period"] != "whole period":
            continue  # periods around an intervention are compared in their own table below
        blocks.append(("h2", f"{s['label']}: {LIGHT[s['overall']]}"))
        if s["replicates"] > 1:
            blocks.append(("p", f"Overall verdicts over {s['replicates']} replicates: "
                                f"{s['overall_counts']}."))
        rows = [[LIGHT[r["verdict"]], r["name"], _cell(r), r["unit"], r["threshold"], r["basis"],
                 r["verdicts"] if s["replicates"] > 1 else r["explanation"]] for r in s["indicators"]]
        last = "replicates' verdicts" if s["replicates"] > 1 else "what it means"
        blocks.append(("table", ["verdict", "indicator", "value", "unit", "threshold", "basis", last], rows,
                       None))
        if s["replicates"] > 1:
            blocks.append(("list", [f"{r['name']}: {r['explanation']} (first replicate)"
                                    for r in s["indicators"]]))
    blocks += _before_after(summaries)
    if figures:
        blocks.append(("h2", "Evidence"))
        blocks += [("figure", name, title_, caption) for name, title_, caption in figures]
    return blocks


def _before_after(summaries: list[dict]) -> list[tuple]:
    """Side by side, for each group with an intervention: the indicators before and from its day."""
    blocks: list[tuple] = []
    by_label: dict[str, dict[str, dict]] = {}
    for s in summaries:
        by_label.setdefault(s["label"], {})[s["period"]] = s
    for label, periods in by_label.items():
        before = next((v for k, v in periods.items() if k.startswith("before")), None)
        after = next((v for k, v in periods.items() if k.startswith("from")), None)
        if before is None or after is None:
            continue
        rows = [[b["name"], _cell(b), LIGHT[b["verdict"]], _cell(a), LIGHT[a["verdict"]]]
                for b, a in zip(before["indicators"], after["indicators"], strict=True)
                if b["key"] in PERIOD_INDICATORS]
        blocks += [("h2", f"{label}: {before['period']} vs {after['period']}"),
                   ("p", "The indicators that measure a period's own flows, on the orders and payouts of "
                         "each period (the tree counts everyone who joined before the period's end). Stock "
                         "indicators (entry loading, stock days, the 70% rule), losses and claims need what "
                         "was carried into a period, so they are judged on the whole period above."),
                   ("table", ["indicator", before["period"], "verdict", after["period"], "verdict"], rows,
                    None)]
    return blocks


def write_risk(target: Path, out: Path | None = None, echo: Callable[[str], object] | None = None) -> Path:
    """Score `target` and write risk.json, risk.md, risk.html and risk_figures/ into `out` (default: the
    target); `echo` gets each group's overall verdict (`verdict_lines`). Returns the HTML path.

    The four are built in a hidden folder in `out` and moved into place only once all are complete,
    so a failure (RiskOutputError: a full disk, say) leaves the earlier report, if any, as it was.
    """
    from sim.reports import risk_figures

    kind, groups, info = collect(target)
    out = Path(out or target)
    summaries = [summarise(g) for g in groups]
    report = plain({"target": str(target), "kind": kind, "rule": risk.RULE, **info, "groups": summaries})
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".risk.", suffix=".tmp", dir=out) as stage:
            stage = Path(stage)
            (stage / "risk_figures").mkdir()
            figures = risk_figures.make_risk_figures([g for g in groups if g.period == "whole period"],
                                                     stage / "risk_figures")
            write_json(stage / "risk.json", report, ensure_ascii=True)
            write_pages(stage, "risk", risk_document(kind, summaries, info, figures), "risk_figures")

            def move_figures(tmp: Path) -> None:
                for figure in (stage / "risk_figures").iterdir():
                    os.replace(figure, tmp / figure.name)

            # All is written; renames need no room on the disk. The figures first, as the pages show them.
            atomic_folder(out / "risk_figures", move_figures, force=True)
            for name in ("risk.json", "risk.md", "risk.html"):
                os.replace(stage / name, out / name)
    except OSError as exc:
        # (the file named would be a hidden temporary one: name the folder)
        raise RiskOutputError(f"{out}: cannot write the risk report ({exc.strerror or type(exc).__name__})"
                              ) from None
    for line in verdict_lines(summaries) if echo else ():
        echo(line)
    return out / "risk.html"
