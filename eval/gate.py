"""--fail-under: "metric=value" gates on a report's metrics.

Higher is better for every metric except latencies and ingest seconds (names
ending in `_ms` or `ingest_seconds`, ratios included); for those the value is
a ceiling: the gate fails when the metric is above it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from eval.runner import known_metrics, lower_is_better


class GateError(ValueError):
    """A gate that cannot be checked: malformed, unknown metric, or not measured in this run."""


@dataclass(frozen=True)
class Gate:
    metric: str
    threshold: float

    @property
    def ceiling(self) -> bool:
        return lower_is_better(self.metric)


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    value: float

    @property
    def passed(self) -> bool:
        if self.gate.ceiling:
            return self.value <= self.gate.threshold
        return self.value >= self.gate.threshold

    def describe(self) -> str:
        op = ("<=" if self.gate.ceiling else ">=") if self.passed else (">" if self.gate.ceiling else "<")
        word = "ok  " if self.passed else "FAIL"
        return f"{word} {self.gate.metric} = {self.value:.4g} {op} {self.gate.threshold:g}"


def parse_gates(specs: Iterable[str]) -> list[Gate]:
    known = known_metrics()
    gates = []
    for spec in specs:
        name, sep, raw = spec.partition("=")
        name = name.strip()
        if not sep or not name or not raw.strip():
            raise GateError(f"--fail-under {spec!r}: expected metric=value, e.g. hybrid.recall@5=0.8")
        if name not in known:
            raise GateError(f"--fail-under: unknown metric {name!r}; known metrics: {', '.join(known)}")
        try:
            threshold = float(raw)
        except ValueError:
            raise GateError(f"--fail-under {spec!r}: {raw.strip()!r} is not a number") from None
        if not math.isfinite(threshold):
            raise GateError(f"--fail-under {spec!r}: the value must be a finite number")
        gates.append(Gate(name, threshold))
    return gates


def check(metrics: dict[str, float | None], gates: Iterable[Gate]) -> list[GateResult]:
    """Results for every gate; GateError when a gated metric was not measured in this run."""
    results = []
    for gate in gates:
        value = metrics.get(gate.metric)
        if value is None:
            raise GateError(
                f"--fail-under: {gate.metric} was not measured in this run "
                "(mode not run, no --baseline, no corpus ingested, or no questions of that kind)"
            )
        results.append(GateResult(gate, value))
    return results


__all__ = ["Gate", "GateError", "GateResult", "check", "parse_gates"]
