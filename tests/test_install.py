"""The package works as a user installs it: from a built wheel, not editable, outside the checkout.

A wheel is built from a copy of the checkout (so the build writes nothing into it), installed with
--no-deps into a fresh venv in a temporary folder whose dependencies come from the checkout venv's
site-packages through a .pth line (no index downloads), and the installed `weishang` script is run
from another temporary working folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted(p.stem for p in (ROOT / "sim" / "scenarios").glob("*.toml"))
SEED = 48213  # an unusual seed, so our run folder cannot be confused with anyone else's
RUN_NAME = f"pyramid-seed{SEED}"
# Left out of the copy that is built: environments, caches, results, earlier build output.
SKIP = (".venv", ".git", "results", "build", "dist", "*.egg-info", "__pycache__", ".solara_cdn",
        ".hypothesis", ".ruff_cache", ".pytest_cache", "node_modules")
# Caches a run may leave next to the installed code (CPython bytecode, numba's cache=True files).
CACHE_SUFFIXES = (".pyc", ".nbi", ".nbc")

# ~40 s on 2 cores: a wheel build, a venv, and a first run that compiles the numba kernels afresh.
pytestmark = pytest.mark.slow


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONSAFEPATH")}
    env["PYTHONNOUSERSITE"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


def sh(args: list, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=clean_env(), capture_output=True,
                          text=True, timeout=timeout)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, (
        f"{' '.join(proc.args)} -> exit {proc.returncode}\n"
        f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


def files_under(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """A venv in tmp with the wheel installed; returns its python, weishang, site-packages, a work dir."""
    tmp = tmp_path_factory.mktemp("install")
    assert ROOT not in tmp.parents
    python = Path(sys.executable)  # the checkout venv's python (>= 3.12)

    # 1. The wheel, built from a copy: setuptools builds in-tree (build/, *.egg-info).
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*SKIP))
    wheels = tmp / "wheels"
    build = [python, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-q", "-w", wheels, src]
    if sh([python, "-c", "import setuptools"], tmp).returncode == 0:
        build.insert(5, "--no-build-isolation")  # offline: the venv's own setuptools
    # else pip brings setuptools into an isolated build environment from the configured index
    ok(sh(build, tmp))
    (wheel,) = wheels.glob("weishang_sim-*.whl")

    # 2. A fresh venv (no pip: the checkout's pip installs into it), the wheel without dependencies,
    #    and the checkout venv's site-packages appended to sys.path for the dependencies.
    venv = tmp / "venv"
    ok(sh([python, "-m", "venv", "--without-pip", venv], tmp))
    new_python = venv / "bin" / "python"
    ok(sh([python, "-m", "pip", "--python", new_python, "install", "--no-deps", "--no-index", "-q", wheel],
          tmp))
    site = Path(ok(sh([new_python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp))
                .stdout.strip())
    deps = Path(sysconfig.get_path("purelib"))
    (site / "_checkout_deps.pth").write_text(f"{deps}\n")

    work = tmp / "work"
    work.mkdir()
    return {"python": new_python, "weishang": venv / "bin" / "weishang", "site": site, "work": work}


def test_imports_the_installed_copy_not_the_checkout(installed):
    """The checkout venv's editable finder must not load: `sim` comes from the new venv."""
    out = ok(sh([installed["python"], "-c", "import sim, sys; print(sim.__file__); print(sys.prefix)"],
                installed["work"])).stdout.split()
    sim_file = Path(out[0]).resolve()
    assert installed["site"].resolve() in sim_file.parents, sim_file
    assert ROOT not in sim_file.parents, sim_file
    assert Path(out[1]).resolve() == installed["python"].parent.parent.resolve()
    # the scenarios travelled in the wheel as package data
    assert sorted(p.stem for p in (installed["site"] / "sim" / "scenarios").glob("*.toml")) == BUNDLED


def test_console_script_from_another_folder(installed):
    weishang, work, site = installed["weishang"], installed["work"], installed["site"]
    assert weishang.is_file()
    before_site = files_under(site)

    listed = ok(sh([weishang, "scenarios"], work)).stdout
    names = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert names == BUNDLED
    assert {"honest", "pyramid", "crackdown"} <= set(names)
    assert all(len(line.split(maxsplit=1)) == 2 for line in listed.splitlines() if line.strip()), listed

    validated = ok(sh([weishang, "validate", "honest"], work)).stdout
    assert validated.startswith("ok"), validated
    assert "honest" in validated

    version = ok(sh([weishang, "--version"], work)).stdout
    assert "0.1.0" in version

    ok(sh([weishang, "run", "pyramid", "--days", "5", "--seed", SEED], work))
    run_folder = work / "results" / "runs" / RUN_NAME
    for name in ("timeseries.csv", "summary.json", "meta.json"):
        assert (run_folder / name).is_file(), sorted(p.name for p in run_folder.iterdir())
    assert json.loads((run_folder / "summary.json").read_text())
    assert len((run_folder / "timeseries.csv").read_text().splitlines()) >= 2

    # Nothing landed next to the installed code (caches aside) nor in the checkout.
    changed = sorted(path for path, mtime in files_under(site).items()
                     if before_site.get(path) != mtime and not path.endswith(CACHE_SUFFIXES))
    assert changed == [], changed
    assert not list(site.rglob("results")), list(site.rglob("results"))
    assert not list(site.rglob(f"{RUN_NAME}*"))
    assert not (ROOT / "results" / "runs" / RUN_NAME).exists()


def test_library_loads_bundled_scenario(installed):
    code = ("import sim; sc = sim.load_scenario('pyramid'); "
            "print(sc.name); print(sim.__file__)")
    out = ok(sh([installed["python"], "-c", code], installed["work"])).stdout.split()
    assert out[0] == "pyramid"
    assert installed["site"].resolve() in Path(out[1]).resolve().parents
