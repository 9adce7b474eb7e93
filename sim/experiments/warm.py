"""Imported by the batch workers' forkserver: it loads the compiled graph generator and edge search
once, so every worker forked from the server has them ready (each would spend 0.2 s loading them)."""

import numpy as np

from sim.model.network import SocialGraph, holme_kim

graph = SocialGraph(10, holme_kim(10, 2, 0.3, 0), 0.5, np.random.default_rng(0))
graph.edge_index(np.arange(3), np.arange(3))
