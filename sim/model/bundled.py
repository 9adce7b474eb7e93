"""The bundled scenarios: commented TOML files shipped inside the package (`sim/scenarios/`), so
that `weishang run pyramid` and `sim.load_scenario("pyramid")` work from a wheel as from a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def folder() -> Path:
    """Where the bundled scenario files are (package data; a real folder in any pip install)."""
    return Path(str(resources.files("sim") / "scenarios"))


def paths() -> dict[str, Path]:
    """Bundled scenario files by name, sorted."""
    return {path.stem: path for path in sorted(folder().glob("*.toml"))}


def resolve(name: str | Path) -> Path:
    """A scenario file as given, or the bundled file of that name (`pyramid` -> .../pyramid.toml).

    A file that exists wins over a bundled name, so a user's own `pyramid` file is never shadowed.
    """
    path = Path(name)
    if not path.exists() and not path.suffix:
        bundled = folder() / f"{path.name}.toml"
        if path.name == str(name) and bundled.is_file():
            return bundled
    return path
