"""Benchmark results: one row per figure, with its baseline, ratio and target; printed as a table and saved."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None
    runs: list[float] = field(default_factory=list)
    note: str = ""
    suite: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


def median(values: list[float | None]) -> float | None:
    real = [v for v in values if v is not None]
    return statistics.median(real) if real else None


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{text} {unit}".strip()


def print_table(figures: list[Figure]) -> None:
    header = ("figure", "schedtop", "baseline", "ratio", "target", "met")
    rows = [
        (
            f.name,
            _fmt(f.value, f.unit),
            f"{_fmt(f.baseline, f.unit)} ({f.baseline_name})" if f.baseline_name else "(none)",
            "" if f.ratio is None else f"{f.ratio:.2f}×",
            f.target or "(none set)",
            {True: "yes", False: "NO", None: "—"}[f.met],
        )
        for f in figures
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    for f in figures:
        if f.note:
            print(f"  * {f.name}: {f.note}")


def save(figures: list[Figure], path: Path, suites: list[str] | None = None) -> None:
    """Write the figures; with ``suites`` (a partial run) keep the saved figures of the other suites."""
    payload = [{**asdict(f), "ratio": f.ratio} for f in figures]
    if suites is not None and path.exists():
        try:
            kept = [item for item in json.loads(path.read_text()) if item.get("suite") not in suites]
        except (ValueError, AttributeError, TypeError):
            kept = []
        payload = kept + payload
    path.write_text(json.dumps(payload, indent=2) + "\n")
