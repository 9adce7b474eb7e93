"""A pyabc sampler whose result does not depend on timing: the same seed, the same posterior.

pyabc's own parallel samplers keep whichever particles come back first, so two calibrations
with the same seed differ when workers run at different speeds. This one numbers the candidates
of a generation 0, 1, 2, ...; candidate i runs with numpy's global generator seeded from
(seed, generation, i) — pyabc draws its proposals from that generator, and the target draws the
run's seed from it — and particles are accepted in candidate order until the population is
full. Candidates are evaluated in batches on a `concurrent.futures` executor: local processes,
or a Dask cluster's executor (`sim.experiments.batch.executor`); a batch is larger than the
workers so that none waits long, and the candidates past the last one needed are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

_cache: dict[int, Callable] = {}  # in a worker: the unpickled simulate function of the generation


def evaluate(blob: bytes, seed: int, generation: int, candidate: int):
    """Run candidate `candidate` of a generation (in a worker); returns pyabc's particle."""
    key = hash(blob)
    if key not in _cache:
        _cache.clear()
        _cache[key] = cloudpickle.loads(blob)
    np.random.seed(np.random.SeedSequence([seed, generation + 1, candidate]).generate_state(4))
    return _cache[key]()


class OrderedSampler(Sampler):
    """Evaluates numbered candidates in batches on an executor; accepts them in order."""

    def __init__(self, executor: Executor, seed: int, batch: int,
                 progress: Callable[[int, int, int, int], None] | None = None):
        super().__init__()
        self.executor = executor
        self.seed = seed
        self.batch = max(int(batch), 1)
        self.progress = progress  # (generation, accepted, wanted, evaluated) after each batch

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        blob = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        accepted = evaluated = 0
        while accepted < n and evaluated < max_eval:
            size = n - accepted if all_accepted else self.batch
            first = evaluated
            futures = [self.executor.submit(evaluate, blob, self.seed, t, first + j) for j in range(size)]
            for j, future in enumerate(futures):
                if accepted == n or evaluated >= max_eval:
                    for rest in futures[j:]:
                        rest.cancel()
                    break
                particle = future.result()
                sample.append(particle)
                evaluated += 1
                accepted += bool(particle.accepted)
            if self.progress is not None:
                self.progress(t, accepted, n, evaluated)
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample


def _run_seeded(target: Callable, parameters: dict, seed: int, k: int) -> dict:
    np.random.seed(np.random.SeedSequence([seed, 0, k, 1]).generate_state(4))
    return target(parameters)


def evaluate_many(executor: Executor, target: Callable, points: list[dict], seed: int) -> list[dict]:
    """The target's statistics for each parameter set, run k seeded from (seed, k), in order."""
    futures = [executor.submit(_run_seeded, target, point, seed, k) for k, point in enumerate(points)]
    return [future.result() for future in futures]
