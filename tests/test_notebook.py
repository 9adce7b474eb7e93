"""The worked notebook (docs/notebook.py) runs from top to bottom in a Python 3 kernel."""

from __future__ import annotations

import os

import jupytext
from conftest import ROOT
from nbclient import NotebookClient


def test_the_notebook_runs_and_ends_with_a_risk_verdict(tmp_path, monkeypatch):
    notebook = jupytext.read(ROOT / "docs" / "notebook.py")
    monkeypatch.setenv("WEISHANG_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    where = {"metadata": {"path": str(tmp_path)}}
    NotebookClient(notebook, kernel_name="python3", timeout=180, resources=where).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert any(f"overall: {v}" in text for v in ("low", "elevated", "high")), text
    assert (tmp_path / "batch" / "summary.parquet").is_file()
    series = tmp_path / "batch" / "series"
    assert sorted(p.relative_to(series).as_posix() for p in series.rglob("*.parquet")) == [
        f"scenario={name}/point_id=base/runs.parquet" for name in ("honest", "pyramid")], \
        "2 scenarios x 3 replicates, each scenario's compacted into one file"
