"""A block of the risk report: one scenario (at a sweep point, per brand) or data set, over one
period, scored on each replicate; shared by the report's tables and its figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.risk import indicators as risk
from sim.risk.schema import NetworkData


@dataclass
class RiskGroup:
    """One row block of the report: a label, a period, and a score per replicate."""

    label: str
    period: str
    results: list[risk.RiskResult] = field(default_factory=list)
    data: list[NetworkData] = field(default_factory=list)
    _evidence: list[dict] | None = field(default=None, repr=False)

    def evidence(self) -> list[dict]:
        """`risk.evidence` per replicate, computed once for all the figures that use it."""
        if self._evidence is None:
            self._evidence = [risk.evidence(d) for d in self.data]
        return self._evidence
