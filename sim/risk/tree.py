"""The upline tree: who recruited whom, as arrays, and the one check for cycles in it.

Both the reader (a data folder whose uplines loop is refused) and the indicators (a tree walked
for downline sizes, levels and team pay) need the tree; it lives here so cycles are found one way.
Participants are given by position: `up[i]` is the position of i's upline, -1 at the top of a tree
(and, in data that was not checked, for an upline that names no participant).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def find_cycle(up: np.ndarray) -> int | None:
    """The lowest position of a participant on a cycle of uplines, or None when there is no cycle.

    Pointer doubling: tops point at themselves; after 2^k >= n jumps every walk up sits on a top or
    on a cycle, and the walks that never reach a top land on the cycle's members.
    """
    up = np.asarray(up, dtype=np.int64)
    jump = np.where(up >= 0, up, np.arange(len(up)))
    for _ in range(max(len(up), 1).bit_length() + 1):
        jump = jump[jump]
    on_cycle = up[jump] >= 0  # a walk that ended anywhere but at a top
    return int(jump[on_cycle].min()) if on_cycle.any() else None


class UplineTree:
    """The upline tree as arrays: participants in walk order (their code), each one's upline's code
    (-1 at the top of a tree, or where a cycle is cut) and level (1 at the top). A participant's path,
    its chain from its top-of-tree organiser down to itself, is its uplines' codes read upwards.

    The walk order fixes the order in which sums over a tree are added up (so their last digits):
    each participant is placed when the first one (in row order) of its own downline is, its uplines
    just before it, top first.
    """

    def __init__(self, p: pd.DataFrame):
        """`p`: the participants frame (id, upline_id), in its row order."""
        rows = pd.Index(p["id"])
        up = rows.get_indexer(p["upline_id"].astype(str)) if rows.is_unique else None
        if up is None or find_cycle(up) is not None:
            self._walk(p)
            return
        # Without cycles the walk needs no walking: levels by pointer doubling, then each level,
        # deepest first, passes the first row of its downline up to its upline.
        n = len(up)
        step, hops = np.where(up >= 0, up, np.arange(n)), (up >= 0).astype(np.int64)
        for _ in range(max(n, 1).bit_length() + 1):  # hops up to the top
            hops, step = hops + hops[step], step[step]
        depth, first = hops + 1, np.arange(n)
        by_depth = np.argsort(-depth, kind="stable")
        levels = np.split(by_depth, np.cumsum(np.bincount(depth)[::-1])[:-1])
        for level in levels:
            level = level[up[level] >= 0]
            np.minimum.at(first, up[level], first[level])
        order = np.lexsort((depth, first))
        code = np.empty(n, dtype=np.int64)
        code[order] = np.arange(n)
        self.ids = p["id"].to_numpy(dtype=object)[order]
        self.index = pd.Index(self.ids)
        self.parent = np.where(up[order] >= 0, code[np.maximum(up[order], 0)], -1)
        self.depth = depth[order]

    def _walk(self, p: pd.DataFrame) -> None:
        """The same walk one participant at a time, for ids given twice or uplines that loop
        (a cycle is cut where the walk meets itself)."""
        up = dict(zip(p["id"].tolist(), p["upline_id"].astype(str).tolist(), strict=True))
        code: dict[str, int] = {}
        parent: list[int] = []
        depth: list[int] = []
        for pid in up:  # walk up to a participant already placed, a top, or back into the chain
            chain, seen, x = [], set(), pid
            while x in up and x not in code and x not in seen:
                chain.append(x)
                seen.add(x)
                x = up[x]
            above = code.get(x, -1)
            for node in reversed(chain):
                code[node] = len(parent)
                parent.append(above)
                depth.append(depth[above] + 1 if above >= 0 else 1)
                above = code[node]
        self.ids = np.array(list(code), dtype=object)
        self.index = pd.Index(self.ids)
        self.parent = np.array(parent, dtype=np.int64)
        self.depth = np.array(depth, dtype=np.int64)

    def codes(self, ids: pd.Series) -> np.ndarray:
        """Each id's code; -1 for an id that is not a participant."""
        return self.index.get_indexer(ids.astype(str))

    def climb(self, x: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """The upline `steps` levels above each code in x (steps below its level), by binary lifting."""
        x, steps = x.copy(), np.asarray(steps, dtype=np.int64)
        jump = np.where(self.parent >= 0, self.parent, np.arange(len(self.parent)))
        while steps.any():
            odd = (steps & 1).astype(bool)
            x[odd] = jump[x[odd]]
            steps = steps >> 1
            jump = jump[jump]
        return x
