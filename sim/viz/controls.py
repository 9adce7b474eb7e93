"""The page's controls: run (Step, Play/Pause, Reset), the scenario and its description, the seed,
the people, the levers (each slider's label carries its value, above a full-width track), export.

Settings take effect on Reset, as the page says when they differ from the run shown.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from sim.viz import levers

CSS = """
.weishang-sidebar .v-input__slot { flex-wrap: wrap; }
.weishang-sidebar .v-slider .v-label, .weishang-sidebar .v-input__slider .v-label {
  width: 100%; max-width: 100%; white-space: normal; margin: 0 0 2px 0; font-size: 14px; }
.weishang-sidebar .v-input__slider .v-slider { width: 100%; flex: 1 1 100%; }
.weishang-sidebar .v-card { margin-bottom: 10px; }
.weishang-sidebar .weishang-description { font-size: 13px; color: #444; margin: -4px 0 8px 0; }
"""


def lever_label(lever: levers.Lever, value: float) -> str:
    """A slider's label: what it moves and its value now."""
    return f"{lever.label}: {lever.text(value)}"


@solara.component
def RunControls(day: int, playing: bool, on_step: Callable[[], None], on_play: Callable[[], None],
                on_reset: Callable[[], None], pending: bool):
    with solara.Card("Run"):
        solara.HTML(tag="div", unsafe_innerHTML=f"<span class='weishang-day' style='font-size:18px'>Day {day}"
                                                "</span>")
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            solara.Button("Step", color="primary", on_click=on_step, disabled=playing)
            solara.Button("Pause" if playing else "Play", color="primary", on_click=on_play,
                          icon_name="mdi-pause" if playing else "mdi-play")
            solara.Button("Reset", color="primary", outlined=True, on_click=on_reset)
        if pending:
            solara.Text("Settings changed: Reset to run them.", classes=["weishang-pending"],
                        style={"color": "#7a4b00", "font-size": "13px"})


@solara.component
def ScenarioControls(settings: solara.Reactive[dict]):
    values = settings.value

    def set_(key):
        return lambda value: settings.set({**settings.value, key: value})

    with solara.Card("Scenario"):
        solara.Select(label="Scenario", value=values["name"], values=list(levers.scenario_choices()),
                      on_value=set_("name"))
        solara.Text(levers.description(values["name"]), classes=["weishang-description"])
        solara.InputText(label="Seed", value=values["seed"], on_value=set_("seed"))
        solara.Select(label="People", value=values["people"], values=list(levers.PEOPLE),
                      on_value=set_("people"))
        solara.Select(label="Strategy mix", value=values["mix"], values=list(levers.MIXES),
                      on_value=set_("mix"))
    with solara.Card("Levers (on every brand's plan)"):
        for lever in levers.LEVERS:
            solara.SliderFloat(lever_label(lever, values[lever.key]), value=values[lever.key], min=lever.low,
                               max=lever.high, step=lever.step, on_value=set_(lever.key), thumb_label=False)


@solara.component
def ExportControls(default: str, on_export: Callable[[str], None], message: str, error: str):
    name = solara.use_reactive("")
    with solara.Card("Export"):
        solara.InputText(label="Run folder name", value=name, continuous_update=True,
                         message=f"empty: {default}")
        solara.Button("Export run folder", color="primary", outlined=True,
                      on_click=lambda: on_export(name.value))
        if message:
            solara.Text(message, classes=["weishang-export-done"], style={"font-size": "13px"})
        if error:
            solara.Error(error)
