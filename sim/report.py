"""Batch and sweep reports (placeholder until the report is written)."""

from __future__ import annotations

from pathlib import Path


def write_report(folder: Path) -> Path:
    """Write figures/, report.md and report.html for a batch folder; returns the HTML path."""
    path = Path(folder) / "report.md"
    path.write_text("# Report\n\n(not written yet)\n", encoding="utf-8")
    return path
