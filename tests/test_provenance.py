"""Provenance: every run folder and batch manifest names the versions that can change a result, the
platform, the scenario's hash and the git commit with its dirty flag."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import metadata

import pytest
from click.testing import CliRunner
from conftest import ROOT, bundled

from sim.cli import main
from sim.experiments import runs
from sim.experiments.batch import run_batch
from sim.experiments.runs import provenance, scenario_hash, versions

# Each changes a number or a figure of a result: the model's numerics and graphs, the designs and
# intervals, the explorer's tree, the calibration's sampler, the figures.
RESULT_PACKAGES = ("numpy", "scipy", "pandas", "networkx", "numba", "mesa", "SALib", "scikit-learn",
                   "matplotlib", "pyabc")
SMALL = {"population.people": 300, "run.days": 15}


def test_versions_name_every_package_that_can_change_a_result():
    found = versions()
    assert found["python"].count(".") == 2 and found["platform"]
    for package in RESULT_PACKAGES:  # all installed here (they are dependencies): a real version each
        assert found[package] == metadata.version(package), package


def check(record: dict) -> None:
    assert {p: record["versions"][p] for p in RESULT_PACKAGES} == {p: versions()[p] for p in RESULT_PACKAGES}
    commit, dirty = record["git_commit"], record["git_dirty"]
    assert (commit is None) == (dirty is None)  # no checkout: neither is known
    if commit is not None:
        assert dirty == commit.endswith("+dirty")
    # the lock names every installed package at its version, so the environment can be rebuilt
    lock = dict(line.split("==", 1) for line in record["environment"])
    for package in RESULT_PACKAGES:
        assert lock[metadata.metadata(package)["Name"]] == metadata.version(package), package
    assert len(record["environment_hash"]) == 16


def test_a_run_folder_records_versions_commit_and_the_scenarios_hash(tmp_path):
    result = CliRunner().invoke(main, ["run", "honest", "--days", "10", "--set", "population.people=300",
                                       "--out", str(tmp_path / "run"), "-q"])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    check(meta)
    assert meta["scenario_hash"] == scenario_hash(meta["scenario"])
    changed = {**meta["scenario"], "run": {**meta["scenario"]["run"], "days": 11}}
    assert scenario_hash(changed) != meta["scenario_hash"]  # any value of the scenario counts


def test_a_batch_manifest_records_provenance_and_each_scenarios_hash(tmp_path):
    manifest = run_batch([bundled("honest", SMALL), bundled("pyramid", SMALL)], 1, tmp_path / "b", jobs=1)
    check(manifest)
    assert set(manifest["scenario_hashes"]) == {"honest", "pyramid"}
    for run_id, record in manifest["runs"].items():  # no points: every run runs its scenario as it is
        assert record["scenario_hash"] == manifest["scenario_hashes"][record["scenario"]]
        meta = json.loads((tmp_path / "b" / "runs" / run_id / "meta.json").read_text())
        assert meta["scenario_hash"] == record["scenario_hash"]
        check(meta)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_dirty_follows_changes_to_tracked_files(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "model.py").write_text("x = 1\n")
    git("add", "model.py")
    git("commit", "-qm", "one")
    monkeypatch.setattr(runs, "SOURCE", tmp_path)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert provenance()["git_commit"] == head.strip() and provenance()["git_dirty"] is False
    (tmp_path / "notes.txt").write_text("untracked files do not change a result\n")
    assert provenance()["git_dirty"] is False
    (tmp_path / "model.py").write_text("x = 2\n")
    found = provenance()
    assert found["git_commit"] == head.strip() + "+dirty" and found["git_dirty"] is True
    shutil.rmtree(tmp_path / ".git")
    assert provenance()["git_commit"] is None and provenance()["git_dirty"] is None


def test_citation_names_the_package_version_and_license():
    yaml = pytest.importorskip("yaml")  # PyYAML comes with dask, a dev dependency
    import tomllib

    import sim

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for key in ("cff-version", "message", "title", "version", "authors", "date-released"):  # CFF 1.2.0
        assert citation.get(key), key
    assert citation["cff-version"] == "1.2.0" and citation["title"] == "weishang-sim"
    assert str(citation["version"]) == project["version"] == sim.__version__
    assert str(citation["date-released"]) == "2026-12-02"
    assert [a["name"] for a in citation["authors"]] == ["weishang-sim contributors"]
    assert citation["license"] == project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
