"""Sweep designs: `--vary key.path=v1,v2,...` or `key.path=lo:hi:n`, on a grid or a Latin hypercube."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.experiments.designs import as_points, grid, latin_hypercube, whole_numbers
from sim.model.scenario import ScenarioError, parse_value


@dataclass(frozen=True)
class Vary:
    """One varied parameter: listed values, or a range lo:hi with n grid points."""

    key: str
    values: tuple = ()
    lo: float | None = None
    hi: float | None = None
    n: int | None = None

    def grid(self) -> list:
        """The listed values, or n evenly spaced points from lo to hi."""
        if self.values:
            return list(self.values)
        return [float(v) for v in np.linspace(self.lo, self.hi, self.n)]


def parse_vary(text: str) -> Vary:
    """`key.path=v1,v2,...` (TOML values) or `key.path=lo:hi[:n]` (numbers)."""
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    where = f"--vary {text}"
    if not sep or not key or not spec:
        raise ScenarioError(f"{where}: expected key.path=v1,v2,... or key.path=lo:hi:n")
    if ":" in spec and not spec.startswith(("[", "{", '"')):
        parts = spec.split(":")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise ScenarioError(f"{where}: a range is lo:hi or lo:hi:n with numbers") from None
        if len(parts) not in (2, 3) or numbers[0] >= numbers[1]:
            raise ScenarioError(f"{where}: a range is lo:hi or lo:hi:n with lo < hi")
        n = int(numbers[2]) if len(parts) == 3 else None
        if n is not None and (n < 2 or n != numbers[2]):
            raise ScenarioError(f"{where}: n in lo:hi:n must be a whole number >= 2")
        return Vary(key, lo=numbers[0], hi=numbers[1], n=n)
    values = tuple(parse_value(v.strip()) for v in _split_values(spec))
    if not values or any(v == "" for v in values):
        raise ScenarioError(f"{where}: empty value in the list")
    return Vary(key, values=values)


def _split_values(spec: str) -> list[str]:
    """Split on commas outside brackets, so list values like [0.1,0.05] stay whole."""
    parts, depth, current = [], 0, ""
    for ch in spec:
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def design(varies: Sequence[Vary], sample: str = "grid", samples: int | None = None,
           seed: int = 1) -> list[dict]:
    """The parameter points: the full grid, or `samples` Latin-hypercube points over the ranges;
    whole-number parameters (people, days, ...) take whole numbers."""
    keys = [v.key for v in varies]
    if len(set(keys)) != len(keys):
        raise ScenarioError("--vary: a key is varied twice")
    if sample == "grid":
        for v in varies:
            if not v.values and v.n is None:
                raise ScenarioError(f"--vary {v.key}: a grid needs lo:hi:n or a list of values")
        return whole_numbers(grid(keys, [v.grid() for v in varies]))
    if sample == "lhs":
        if not samples or samples < 1:
            raise ScenarioError("--samples: Latin hypercube sampling needs --samples K (K >= 1)")
        for v in varies:
            if v.values:
                raise ScenarioError(f"--vary {v.key}: Latin hypercube sampling needs a range lo:hi")
        lows, highs = [v.lo for v in varies], [v.hi for v in varies]
        return as_points(keys, latin_hypercube(lows, highs, samples, seed))
    raise ScenarioError(f"--sample {sample}: allowed: grid, lhs")
