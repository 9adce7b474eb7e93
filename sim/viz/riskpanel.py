"""The risk panel: each brand's pyramid-risk verdict first, then its ten indicators, scored live
from the model's ledger with the code of `weishang risk` (which scores each brand apart when a run
has several: so does the page). Lights are CSS circles (no emoji font needed) beside the verdict's
word (colour is never the only cue); each indicator opens to its explanation and its basis.
Before `risk.WINDOW` days the verdicts are marked provisional.
"""

from __future__ import annotations

import html

import solara

from sim.risk import indicators as risk
from sim.viz.components import cached, page_state
from sim.viz.text import shown

LIGHT = {"high": "#d62728", "elevated": "#ff7f0e", "low": "#2ca02c", "n/a": "#999999"}


def results(model) -> dict[str, risk.RiskResult]:
    """Each brand's indicators, by brand name in the model's order, read with the page's live
    converter (sim.risk.convert.LiveConverter: only the day's new journal entries are converted)."""
    def make(m):
        data = page_state(m).converter.read(m)
        named = data.brands()
        if len(named) == 1:  # as `weishang risk`: one brand is scored whole
            return {m.brands[0].name if len(m.brands) == 1 else named[0]: risk.score(data)}
        return {b.name: risk.score(data.for_brand(b.name)) for b in m.brands if b.name in named}
    return cached(model, "risk", make)


def light(verdict: str, size: int = 12) -> str:
    """A coloured dot drawn by CSS, and the verdict in words."""
    return (f"<span class='weishang-light' style='display:inline-block;width:{size}px;height:{size}px;"
            f"border-radius:50%;background:{LIGHT[verdict]};vertical-align:middle;margin-right:6px'></span>"
            f"<span class='weishang-verdict-word'>{verdict}</span>")


def value_text(ind: risk.Indicator) -> str:
    if ind.value is None:
        return "n/a"
    if ind.unit.startswith("share"):
        return f"{ind.value:.0%}"
    if ind.unit == "days":
        return f"{ind.value:,.0f} days"
    if ind.unit == "people":
        return f"{ind.value:,.0f} {'person' if ind.value == 1 else 'people'}"
    return f"{ind.value:,.2f}"


def provisional(day: int) -> str:
    if day >= risk.WINDOW:
        return ""
    return (f"<div class='weishang-provisional' style='color:#7a4b00;margin:4px 0'><i>Provisional: "
            f"day {day}, fewer than {risk.WINDOW} days of data; the stock and loss indicators judge "
            f"what happens over {risk.WINDOW} days.</i></div>")


def brand_html(name: str, result: risk.RiskResult, day: int) -> str:
    """One brand's panel: the verdict, the provisional note, the indicators (each opening to its
    explanation and basis)."""
    rows = []
    cell = "style='padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top'"
    for ind in result.indicators:
        explained = (f"<div class='weishang-explanation' style='margin:4px 0'>"
                     f"{html.escape(shown(ind.explanation))}</div>"
                     "<div class='weishang-basis' style='color:#555'><b>Basis:</b> "
                     f"{html.escape(shown(ind.basis))}</div><div style='color:#555'><b>Threshold:</b> "
                     f"{html.escape(shown(ind.threshold))}</div>")
        rows.append(
            f"<tr class='weishang-indicator' data-key='{ind.key}'><td {cell} nowrap>{light(ind.verdict)}</td>"
            f"<td {cell}><details><summary style='cursor:pointer;color:#1565c0'>{html.escape(ind.name)}"
            f"</summary>{explained}</details></td>"
            f"<td {cell} align='right' nowrap>{value_text(ind)}</td></tr>")
    return (f"<div class='weishang-risk-brand' data-brand='{html.escape(name)}' style='margin-bottom:16px'>"
            f"<div class='weishang-brand-verdict' style='font-size:18px;margin:4px 0'>Brand "
            f"<b>{html.escape(name)}</b>: pyramid risk {light(result.overall, 16)}</div>"
            f"{provisional(day)}"
            "<table style='border-collapse:collapse;width:100%;font-size:14px;table-layout:fixed'>"
            "<colgroup><col style='width:110px'><col><col style='width:120px'></colgroup>"
            f"{''.join(rows)}</table>"
            "</div>")


def verdict_strip(model) -> str:
    """The verdicts in one line, for the page's header."""
    parts = [f"{html.escape(name)} {light(r.overall)}" for name, r in results(model).items()]
    note = " (provisional)" if model.day < risk.WINDOW else ""
    return f"<span class='weishang-verdicts'>Pyramid risk{note}: {' &middot; '.join(parts)}</span>"


@solara.component
def RiskPanel(model, day: int = 0):
    """Every brand's verdict and indicators, and the rule that combines them."""
    with solara.Column(style={"max-width": "980px"}):
        for name, result in results(model).items():
            solara.HTML(tag="div", unsafe_innerHTML=brand_html(name, result, model.day))
        solara.HTML(tag="div", unsafe_innerHTML=(
            "<div style='color:#555;font-size:13px'><b>How the verdict is reached:</b> "
            f"{html.escape(risk.RULE)}. The same indicators as <code>weishang risk</code>; export the run to "
            "get its full report.</div>"))
