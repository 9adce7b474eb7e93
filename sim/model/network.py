"""The social graph: generators, edge lists, tie strength, and a CSR view for vectorized work.

People are nodes 0..N-1. Every undirected tie i-j appears as two directed edges (i->j and
j->i) in CSR order (sorted by source, then target), so per-edge arrays such as trust are
directed: edge i->j holds what i thinks of j.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path
from random import Random

import networkx as nx
import numba
import numpy as np
from mesa.discrete_space import Cell, Network

from sim.common.text import cut, short_path, shown


class EdgeListError(ValueError):
    """An edge-list file that cannot be read; str() is one line naming file and line."""


def build_social_graph(population: dict, rng: np.random.Generator) -> SocialGraph:
    """Build the social graph the scenario asks for, seeded from the model's generator."""
    kind, strong = population["graph"], population["strong_tie_share"]
    if kind == "edgelist":
        graph = read_edgelist(population["edgelist"])
        return SocialGraph.from_networkx(graph, strong, rng, given_ties=True)
    n = population["people"]
    seed = int(rng.integers(2**31 - 1))
    m = max(1, round(population["mean_degree"] / 2))  # each new node brings m edges: mean degree ~ 2m
    if kind == "watts_strogatz":
        graph = nx.watts_strogatz_graph(n, max(2, 2 * m), population["rewire_prob"], seed=seed)
    elif kind == "barabasi_albert":
        graph = nx.barabasi_albert_graph(n, m, seed=seed)
    else:
        return SocialGraph(n, holme_kim(n, m, population["triangle_prob"], seed), strong, rng)
    return SocialGraph.from_networkx(graph, strong, rng)


def holme_kim(n: int, m: int, triangle_prob: float, seed: int) -> np.ndarray:
    """Holme & Kim's (2002) growing graph as (ties, 2) pairs: power-law degrees with clustering.

    Nodes m..n-1 arrive one by one. Each links to one node chosen in proportion to degree, then
    makes m-1 more links: with `triangle_prob`, to a random contact of the last node it chose
    (closing a triangle), otherwise to the next node chosen in proportion to degree.

    Compiled, as networkx's `powerlaw_cluster_graph` takes minutes at a million people. Unlike
    that function, whose hubs come out about twice as large because it takes the chosen nodes
    in the order of a Python set, the order here is the random order of the draws, as in the
    paper. Random numbers come from numba's generator, seeded from the model's.
    """
    return _holme_kim(n, m, triangle_prob, seed)


@numba.njit(cache=True)
def _holme_kim(n, m, triangle_prob, seed):  # pragma: no cover (compiled)
    np.random.seed(seed)
    slots = m * (n - m)
    pairs = np.empty((slots, 2), np.int64)
    # Each node's contacts, in a block of a shared pool that moves to the end when full.
    start, size, cap = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    pool = np.empty(8 * slots + 8 * n, np.int32)  # blocks double: at most 2 x (4 + 2 x degree)
    end = 0
    # Node ids, each as often as its degree (+1 for the m seed nodes): preferential draws.
    weighted = np.empty(2 * slots + m, np.int32)  # (32 bits: half the cache misses)
    weighted[:m] = np.arange(m)
    n_weighted, ties = m, 0
    chosen, linked = np.empty(m, np.int64), np.empty(m, np.int64)
    for source in range(m, n):
        k = 0
        while k < m:  # m distinct nodes, in proportion to degree
            node = weighted[np.random.randint(0, n_weighted)]
            if node not in chosen[:k]:
                chosen[k] = node
                k += 1
        next_choice, target, count = 1, chosen[0], 0
        while count < m:
            contact = -1
            if count > 0 and np.random.random() < triangle_prob:
                degree = size[target]  # a random contact of target not linked yet (by rejection)
                for _ in range(8 * degree):
                    other = pool[start[target] + np.random.randint(0, degree)]
                    if other != source and other not in linked[:count]:
                        contact = other
                        break
            if contact < 0:
                if count > 0:
                    target = chosen[next_choice]
                    next_choice += 1
                contact = target
            if contact not in linked[:count]:  # (a node reached both ways links once)
                pairs[ties, 0], pairs[ties, 1] = source, contact
                ties += 1
                for a, b in ((source, contact), (contact, source)):
                    if size[a] == cap[a]:
                        cap[a] = max(4, 2 * cap[a])
                        pool[end:end + size[a]] = pool[start[a]:start[a] + size[a]]
                        start[a] = end
                        end += cap[a]
                    pool[start[a] + size[a]] = b
                    size[a] += 1
            linked[count] = contact
            count += 1
            weighted[n_weighted] = contact
            n_weighted += 1
        weighted[n_weighted:n_weighted + m] = source
        n_weighted += m
    return pairs[:ties]


def locate_edgelist(given: str, base: Path) -> tuple[Path, int]:
    """The edge-list file a scenario names (relative to `base`) and its number of people, read now
    so that a bad one is an error before anything runs; EdgeListError says what is wrong."""
    if not given:
        raise EdgeListError("required when graph = 'edgelist'")
    if not given.isprintable():  # a NUL is no path at all; other control characters are typos
        raise EdgeListError(f"{shown(given)} is not a file path (allowed: printable characters)")
    try:
        file = (base / given).resolve()
        found = file.is_file()
    except (OSError, ValueError) as exc:  # e.g. a name too long for the file system
        raise EdgeListError(f"{shown(given)} cannot be a file path "
                            f"({getattr(exc, 'strerror', None) or 'not valid'})") from None
    if not found:
        raise EdgeListError(f"file {shown(given)} not found")
    return file, read_edgelist(file).number_of_nodes()


def read_edgelist(path: str | Path) -> nx.Graph:
    """Read 'a b [tie]' lines; labels become 0..N-1 in order of first appearance.

    The optional third column is the tie strength in [0, 1]; '#' starts a comment. Errors echo
    no more of the file than a short cut of the bad line (the file may be anything a user named).
    """
    path = Path(path)
    where = short_path(path)
    graph = nx.Graph()
    ids: dict[str, int] = {}
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise EdgeListError(f"{where}: cannot read edge list: not a UTF-8 text file") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EdgeListError(f"{where}: cannot read edge list ({reason})") from None
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if not fields:
            continue
        if len(fields) not in (2, 3):
            raise EdgeListError(f"{where}: line {number}: expected 'a b [tie]', got {shown(cut(line, 30))}")
        a, b = (ids.setdefault(label, len(ids)) for label in fields[:2])
        if a == b:
            raise EdgeListError(f"{where}: line {number}: a person cannot be their own contact")
        attrs = {}
        if len(fields) == 3:
            try:
                tie = float(fields[2])
            except ValueError:
                tie = -1.0
            if not 0.0 <= tie <= 1.0:  # (NaN is not)
                raise EdgeListError(f"{where}: line {number}: tie strength {shown(cut(fields[2], 30))} "
                                    "(allowed: a number from 0 to 1)")
            attrs["tie"] = tie
        graph.add_edge(a, b, **attrs)
    if graph.number_of_nodes() < 2:
        raise EdgeListError(f"{where}: no edges found (expected lines 'a b [tie]')")
    return graph


class SocialGraph:
    """CSR adjacency of an undirected graph, with per-edge tie strength.

    indptr, indices: neighbours of i are indices[indptr[i]:indptr[i+1]] (sorted).
    rev: index of the reverse edge; tie: strength in [0, 1]; src (made on demand): each
    directed edge's source. Node and edge indices are kept in 32 bits while they fit (at ten
    million people the graph has 120 million directed edges: 8 bytes an edge saved per array).
    """

    def __init__(self, n: int, pairs: np.ndarray, strong_share: float, rng: np.random.Generator,
                 given: np.ndarray | None = None):
        """`pairs`: one row (a, b) per undirected tie; `given`: tie strengths, NaN where not given."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        lo, hi = pairs.min(axis=1), pairs.max(axis=1)
        # Tie strength per undirected tie: strong ties (family, close friends) in [0.6, 1],
        # weak ties (acquaintances) in [0.05, 0.4].
        strong = rng.random(len(pairs)) < strong_share
        tie = np.where(strong, rng.uniform(0.6, 1.0, len(pairs)), rng.uniform(0.05, 0.4, len(pairs)))
        del strong
        if given is not None:
            given = np.asarray(given, dtype=float)
            tie = np.where(np.isnan(given), tie, given)
        half = len(pairs)
        # Directed edge a->b sorts as a * n + b: CSR order is the order of these keys.
        order = np.argsort(np.concatenate([lo * n + hi, hi * n + lo]))
        self.n = n
        self.degree = np.bincount(lo, minlength=n) + np.bincount(hi, minlength=n)
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(self.degree, out=self.indptr[1:])
        node = np.int32 if n < 2**31 else np.int64
        edge = np.int32 if 2 * half < 2**31 else np.int64
        self.indices = np.concatenate([hi, lo]).astype(node)[order]
        del lo, hi
        self.tie = np.concatenate([tie, tie])[order]
        del tie
        position = np.empty(order.size, dtype=edge)  # where each unsorted edge lands
        position[order] = np.arange(order.size, dtype=edge)
        del order
        self.rev = np.empty_like(position)  # a->b's index -> b->a's index
        self.rev[position[:half]] = position[half:]
        self.rev[position[half:]] = position[:half]

    @property
    def src(self) -> np.ndarray:
        """The source of each directed edge (made when asked: only drawing needs it whole)."""
        return np.repeat(np.arange(self.n, dtype=self.indices.dtype), self.degree)

    @classmethod
    def from_networkx(cls, graph: nx.Graph, strong_share: float, rng: np.random.Generator,
                      given_ties: bool = False) -> SocialGraph:
        """From a networkx graph on nodes 0..N-1; with `given_ties`, its 'tie' edge attributes."""
        pairs = np.fromiter(itertools.chain.from_iterable(graph.edges()), dtype=np.int64).reshape(-1, 2)
        given = None
        if given_ties:  # an edge list may give tie strengths; generated graphs never do
            given = np.array([graph.edges[a, b].get("tie", np.nan) for a, b in pairs], dtype=float)
        return cls(graph.number_of_nodes(), pairs, strong_share, rng, given)

    def to_networkx(self) -> nx.Graph:
        """The graph as networkx: nodes 0..N-1, each tie once, with its strength as 'tie'."""
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        src = self.src
        one_way = np.flatnonzero(src < self.indices)
        graph.add_edges_from(zip(src[one_way].tolist(), self.indices[one_way].tolist(),
                                 ({"tie": t} for t in self.tie[one_way].tolist()), strict=True))
        return graph

    def ties_among(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ties among the given (sorted) people, each once: its edge a->b with a < b, in CSR
        order, and a. Only the people's own edges are read, not the whole graph's."""
        nodes = np.asarray(nodes, dtype=np.int64)
        out = self.out_edges(nodes)
        source = np.repeat(nodes, self.degree[nodes])
        target = self.indices[out]
        inside = np.zeros(self.n, dtype=bool)
        inside[nodes] = True
        keep = inside[target] & (source < target)
        return out[keep], source[keep]

    def subgraph(self, nodes: np.ndarray) -> nx.Graph:
        """The ties among the given (sorted) people, as networkx: nodes and edges in the order
        `to_networkx().subgraph(nodes)` lists them, without making the whole graph."""
        edges, source = self.ties_among(nodes)
        graph = nx.Graph()
        graph.add_nodes_from(set(np.asarray(nodes).tolist()))  # networkx's subgraph view: set order
        graph.add_edges_from(zip(source.tolist(), self.indices[edges].tolist(),
                                 ({"tie": t} for t in self.tie[edges].tolist()), strict=True))
        return graph

    @property
    def edges(self) -> int:
        """Number of directed edges (twice the number of ties)."""
        return len(self.indices)

    def edge_index(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Index of directed edge i->j, or -1 where i and j are not connected."""
        i, j = np.broadcast_arrays(np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64))
        found = np.empty(i.shape, dtype=np.int64)
        _find_edges(self.indptr, self.indices, i.ravel(), j.ravel(), found.reshape(-1))
        return found

    def out_edges(self, people: np.ndarray) -> np.ndarray:
        """All directed edges leaving the given people, grouped by person in the given order."""
        people = np.asarray(people, dtype=np.int64)
        starts = self.indptr[people]
        counts = self.indptr[people + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        group_start = np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(starts, counts) + (np.arange(total) - group_start)

    def neighbours(self, person: int) -> np.ndarray:
        return self.indices[self.indptr[person]:self.indptr[person + 1]]


@numba.njit(cache=True)
def _find_edges(indptr, indices, i, j, found):  # pragma: no cover (compiled)
    """found[k] = index of edge i[k]->j[k], or -1: a binary search in i[k]'s sorted row (no array
    of edge keys to search, which cost 8 bytes an edge)."""
    for k in range(i.size):
        if i[k] < 0 or i[k] >= indptr.size - 1:  # no such person: no such edge (and no read past the end)
            found[k] = -1
            continue
        lo, end = indptr[i[k]], indptr[i[k] + 1]
        hi = end
        while lo < hi:
            mid = (lo + hi) // 2
            if indices[mid] < j[k]:
                lo = mid + 1
            else:
                hi = mid
        found[k] = lo if lo < end and indices[lo] == j[k] else -1



class ContactCell(Cell):
    """A person's cell, whose `connections` (contact id -> cell) are read from the CSR arrays when
    asked, instead of a dict per cell: at ten million people those dicts were ~900 bytes a person,
    more than everything else Mesa holds. The contacts are fixed for a run (nobody makes or drops
    a WeChat contact in the model), so linking cells by hand is refused."""

    __slots__ = ("_space",)

    def __init__(self, coordinate: int, space: ContactNetwork, **kwargs) -> None:
        self._space = space
        super().__init__(coordinate, **kwargs)

    @property
    def connections(self) -> dict[int, Cell]:
        cells = self._space._cells
        return {j: cells[j] for j in self._space.social.neighbours(self.coordinate).tolist()}

    @connections.setter
    def connections(self, value: dict) -> None:
        # Cell.__init__ sets {}; unpickling or copying sets what `connections` gave, maybe before the
        # space it belongs to has its graph back (then there is nothing to check against yet)
        social = getattr(getattr(self, "_space", None), "social", None)
        person = getattr(self, "coordinate", None)
        if value and social is not None and person is not None and \
                set(value) != set(social.neighbours(person).tolist()):
            raise ValueError("a person's contacts are the social graph's: fixed for the run")

    def connect(self, other: Cell, key=None) -> None:
        raise ValueError("a person's contacts are the social graph's: fixed for the run")

    disconnect = connect


class ContactNetwork(Network):
    """Mesa's Network space over the social graph: a cell per person, linked to their contacts.

    Mesa builds a Network from a networkx graph, linking cells one edge at a time into a dict per
    cell; at a million people that graph costs 20 s and 2 GB a run never uses. So the cells read
    their contacts from the CSR arrays (`ContactCell`), and `G`, the networkx graph, is made the
    first time someone asks for it.
    """

    def __init__(self, social: SocialGraph, random: Random):
        self.social = social
        self._graph: nx.Graph | None = None
        self._building = True
        # During Mesa's __init__, G only has to list the nodes (no networkx graph of N nodes).
        super().__init__(_Nodes(social.n), capacity=1, random=random, layout=None,
                         cell_klass=functools.partial(ContactCell, space=self))
        self.cell_klass = ContactCell
        self._building = False

    @property
    def G(self) -> nx.Graph:  # noqa: N802 (Mesa's name)
        if self._building:
            return self._nodes
        if self._graph is None:
            self._graph = self.social.to_networkx()
        return self._graph

    @G.setter
    def G(self, nodes: _Nodes) -> None:  # noqa: N802 (Mesa's __init__ sets it to our node list)
        self._nodes = nodes

    def _connect_cells(self) -> None:
        pass  # the cells read their contacts from the social graph (ContactCell.connections)

    def __setstate__(self, state: dict) -> None:
        # Mesa's relinks each cell's connections from coordinates; ours are read from the graph.
        self.__dict__.update(state)


class _Nodes:
    """What Mesa's Network reads of a graph while it makes the cells: the nodes."""

    def __init__(self, n: int):
        self.nodes = range(n)
