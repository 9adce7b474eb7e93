"""Scenario discovery for `weishang explore`: which ranges of the varied parameters lead to the case of
interest (e.g. a high pyramid-risk verdict)? `prim` is the Patient Rule Induction Method (Friedman & Fisher
1999): peel thin slices off a box while that raises the share of cases of interest inside, record each
step (the coverage/density trade-off), choose one box, then paste slices back where that costs no density.
`tree_boxes` is the decision-tree alternative: each leaf a tree predicts True is a box. Boxes are closed
(lo <= x <= hi); a limit at the sampled minimum or maximum does not restrict that side. Limits fall halfway
between sample values, so a sampled point hardly ever sits on one and the rules' "<" / ">" read the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

Limits = dict[str, tuple[float, float]]


@dataclass
class Box:
    limits: Limits  # per parameter (lo, hi); an unrestricted one keeps the full sampled range
    coverage: float  # share of all cases of interest that fall in the box
    density: float  # share of the cases in the box that are of interest
    mass: float  # share of all samples in the box
    # The sampled range, to tell a restricted side from a full one; a Box built without it counts every side
    # as restricted.
    bounds: Limits = field(default_factory=dict)

    def restricted(self, ranges: Limits | None = None) -> dict[str, tuple[bool, bool]]:
        """Per parameter, whether the lower / upper limit cuts in. A side counts only if it cuts into the
        sampled range (`bounds`) and, when `ranges` are given (e.g. the design's ranges), into those too,
        so a full-range limit (the sample's min, a hair inside the design range) is never shown as a rule."""
        out = {}
        for name, (lo, hi) in self.limits.items():
            refs = [r[name] for r in (self.bounds, ranges or {}) if name in r]
            out[name] = (all(lo > r[0] for r in refs), all(hi < r[1] for r in refs))
        return out

    def rules(self, ranges: Limits | None = None) -> str:
        # Density 0 means the box holds no case of interest: any rule would describe nothing.
        if self.density == 0:
            return "no case of interest"
        parts = []
        for name, (cut_lo, cut_hi) in self.restricted(ranges).items():
            lo, hi = self.limits[name]
            if cut_lo and cut_hi:
                parts.append(f"{_num(lo)} < {name} < {_num(hi)}")
            elif cut_lo:
                parts.append(f"{name} > {_num(lo)}")
            elif cut_hi:
                parts.append(f"{name} < {_num(hi)}")
        return " and ".join(parts) if parts else "whole sampled range"

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        mask = np.ones(len(x), dtype=bool)
        # Unrestricted sides stay open so new points just outside the sampled range still count as inside.
        for name, (cut_lo, cut_hi) in self.restricted().items():
            lo, hi = self.limits[name]
            values = x[name].to_numpy(dtype=float)
            if cut_lo:
                mask &= values >= lo
            if cut_hi:
                mask &= values <= hi
        return mask


@dataclass
class PrimResult:
    trajectory: list[Box]  # the full box, then the box after each peel
    chosen: Box  # the trajectory box picked by `threshold`, after pasting
    threshold: float  # the density target used to choose
    chosen_step: int = 0  # index in `trajectory` of the box that was chosen (before pasting)


def _num(v: float) -> str:
    """Three significant digits, without scientific notation for large values (1230, not 1.23e+03)."""
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    r = float(f"{v:.3g}")
    return f"{r:.0f}" if abs(r) >= 100 else f"{r:g}"


def _check(x: pd.DataFrame, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) == 0 or x.shape[1] == 0:
        raise ValueError("scenario discovery needs at least one sample and one parameter")
    y = np.asarray(y)
    if y.shape != (len(x),):
        raise ValueError(f"y has shape {y.shape}; expected one flag per sample ({len(x)})")
    values = x.to_numpy(dtype=float)  # raises on non-numeric columns, which a box cannot bound
    if not np.isfinite(values).all():
        raise ValueError("x has missing or infinite values; drop those samples first")
    return values, y.astype(bool)


class _Sample:
    """The sample as arrays, and a box's stats on it, so PRIM's inner loop never goes through pandas."""

    def __init__(self, x: pd.DataFrame, y: np.ndarray) -> None:
        self.names = [str(c) for c in x.columns]
        self.values, self.y = _check(x, y)
        self.n, self.n_true = len(self.y), int(self.y.sum())
        self.bounds: Limits = {c: (float(v.min()), float(v.max()))
                               for c, v in zip(self.names, self.values.T, strict=True)}

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        """Fresh (lo, hi) arrays of the full box, for the caller to narrow."""
        return self.values.min(axis=0), self.values.max(axis=0)

    def mask(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return ((self.values >= lo) & (self.values <= hi)).all(axis=1)

    def box(self, lo: np.ndarray, hi: np.ndarray) -> Box:
        m = self.mask(lo, hi)
        inside, true = int(m.sum()), int(self.y[m].sum())
        return Box(limits={c: (float(a), float(b)) for c, a, b in zip(self.names, lo, hi, strict=True)},
                   coverage=true / self.n_true if self.n_true else 0.0,
                   density=true / inside if inside else 0.0, mass=inside / self.n, bounds=dict(self.bounds))


def _peel_cut(v: np.ndarray, k: int, low: bool) -> tuple[float, int] | None:
    """New limit after peeling ~k of the in-box values `v` from one end, and how many go. The cut sits
    halfway between the last removed and first kept value. With ties at the end, the whole tied block goes
    (at least one point must go); if that would empty the box (e.g. a constant column), no peel."""
    s = np.sort(v) if low else -np.sort(v)[::-1]  # peel from the low end of s either way
    if k >= len(s):
        return None
    gone = int(np.searchsorted(s, s[k], side="left"))  # values strictly beyond the alpha-quantile
    if gone == 0:
        gone = int(np.searchsorted(s, s[0], side="right"))
        if gone == len(s):
            return None
    cut = (s[gone - 1] + s[gone]) / 2
    return (float(cut) if low else -float(cut)), gone


def _paste(sample: _Sample, lo: np.ndarray, hi: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Move restricted limits back outward, ~alpha of the box's points at a time, while that does not lower
    density: peeling is greedy, so an early peel may have cut off more than later peels made necessary."""
    full_lo, full_hi = sample.full()
    while True:
        m = sample.mask(lo, hi)
        inside, true = int(m.sum()), int(sample.y[m].sum())
        k = max(1, int(alpha * inside))
        best: tuple[float, int, int, int, bool, float] | None = None  # density, mass, true, dim, side, limit
        for j in range(len(sample.names)):
            for low in (True, False):
                if (lo[j] <= full_lo[j]) if low else (hi[j] >= full_hi[j]):
                    continue  # this side is not restricted: nothing to paste back
                others_lo, others_hi = lo.copy(), hi.copy()
                (others_lo if low else others_hi)[j] = -np.inf if low else np.inf
                col = sample.values[:, j]
                out = sample.mask(others_lo, others_hi) & ((col < lo[j]) if low else (col > hi[j]))
                near = np.sort(col[out])[::-1] if low else np.sort(col[out])  # nearest outside points first
                if len(near) == 0:
                    continue
                # If all the rest fit in one step, the side is released to the full range.
                released = full_lo[j] if low else full_hi[j]
                limit = released if k >= len(near) else (near[k - 1] + near[k]) / 2
                (others_lo if low else others_hi)[j] = limit
                m2 = sample.mask(others_lo, others_hi)
                n2, t2 = int(m2.sum()), int(sample.y[m2].sum())
                cand = (t2 / n2, n2, t2, j, low, float(limit))
                if best is None or cand[:2] > best[:2]:
                    best = cand
        # Accept only if density does not fall (compared in integers, so equal densities tie exactly); each
        # accepted paste adds at least one point, so the loop ends.
        if best is None or best[2] * inside < true * best[1]:
            return lo, hi
        _, _, _, j, low, limit = best
        (lo if low else hi)[j] = limit


def prim(x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05, threshold: float = 0.8,
         paste: bool = True) -> PrimResult:
    if not 0 < alpha < 0.5 or not 0 < min_mass <= 1:
        raise ValueError(f"alpha must be in (0, 0.5) and min_mass in (0, 1]; got {alpha}, {min_mass}")
    sample = _Sample(x, y)
    lo, hi = sample.full()
    trajectory = [sample.box(lo, hi)]
    if sample.n_true == 0:  # nothing to find: the full box, coverage and density 0
        return PrimResult(trajectory=trajectory, chosen=trajectory[0], threshold=threshold)
    m = sample.mask(lo, hi)
    while True:
        inside, true = int(m.sum()), int(sample.y[m].sum())
        k = max(1, int(alpha * inside))
        best: tuple[float, int, int, bool, float] | None = None  # density, -removed, dim, low side, limit
        for j in range(len(sample.names)):
            col = sample.values[:, j]
            for low in (True, False):
                peel = _peel_cut(col[m], k, low)
                if peel is None or (inside - peel[1]) / sample.n < min_mass:
                    continue  # no point can go on this side, or the box would get too small
                limit, gone = peel
                kept = m & ((col >= limit) if low else (col <= limit))
                cand = (sample.y[kept].sum() / (inside - gone), -gone, j, low, limit)
                if best is None or cand[:2] > best[:2]:  # highest density; ties: smaller removed mass
                    best = cand
        if best is None or best[0] <= true / inside:
            break  # no allowed peel raises density
        _, _, j, low, limit = best
        (lo if low else hi)[j] = limit
        m = sample.mask(lo, hi)
        trajectory.append(sample.box(lo, hi))
    # Coverage never rises along the trajectory, so the first box reaching the threshold has the most.
    step = next((i for i, b in enumerate(trajectory) if b.density >= threshold), None)
    if step is None:
        step = int(np.argmax([b.density for b in trajectory]))  # first of the densest
    chosen = trajectory[step]
    if paste:
        c_lo = np.array([v[0] for v in chosen.limits.values()])
        c_hi = np.array([v[1] for v in chosen.limits.values()])
        chosen = sample.box(*_paste(sample, c_lo, c_hi, alpha))
    return PrimResult(trajectory=trajectory, chosen=chosen, threshold=threshold, chosen_step=step)


def tree_boxes(x: pd.DataFrame, y: np.ndarray, max_depth: int = 3, min_samples_leaf: int = 5,
               seed: int = 0) -> list[Box]:
    sample = _Sample(x, y)
    if sample.n_true == 0:
        return []
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=seed)
    tree.fit(sample.values, sample.y)
    t = tree.tree_
    true_col = list(tree.classes_).index(True)
    boxes: list[Box] = []
    # Walk root to leaves, narrowing the limits by each split (left: x <= threshold, right: x > threshold).
    stack = [(0, *sample.full())]
    while stack:
        node, lo, hi = stack.pop()
        if t.children_left[node] == -1:  # a leaf
            if int(np.argmax(t.value[node][0])) == true_col:
                boxes.append(sample.box(lo, hi))
            continue
        j, thr = int(t.feature[node]), float(t.threshold[node])
        left_hi, right_lo = hi.copy(), lo.copy()
        left_hi[j], right_lo[j] = min(hi[j], thr), max(lo[j], thr)
        stack += [(int(t.children_left[node]), lo, left_hi), (int(t.children_right[node]), right_lo, hi)]
    return sorted(boxes, key=lambda b: (-b.density, -b.mass))


def _box_json(box: Box) -> dict[str, Any]:
    return {"limits": {k: [v[0], v[1]] for k, v in box.limits.items()},
            "restricted": [k for k, sides in box.restricted().items() if any(sides)],
            "rules": box.rules(), "coverage": box.coverage, "density": box.density, "mass": box.mass}


def to_json(result: PrimResult, boxes: list[Box]) -> dict[str, Any]:
    return {"threshold": result.threshold, "chosen_step": result.chosen_step,
            "chosen": _box_json(result.chosen),
            "trajectory": [{"step": i, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                            "limits": {k: [v[0], v[1]] for k, v in b.limits.items()}}
                           for i, b in enumerate(result.trajectory)],
            "tree_boxes": [_box_json(b) for b in boxes]}
