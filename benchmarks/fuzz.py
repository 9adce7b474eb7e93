"""Fuzz the command line with bad and edge-case inputs, as a hostile user would; print counts by outcome.

Run from the repository root (about 10-20 minutes for the default 1,200 cases on 2 cores):

    .venv/bin/python benchmarks/fuzz.py                       # every family, 1,200 cases
    .venv/bin/python benchmarks/fuzz.py --cases 200 --family set --seed 3 --show 5

Four families of input, each case generated from `--seed` (the same seed gives the same cases):
- scenario: bundled scenario files with values replaced by wrong types, out-of-range numbers, NaN,
  deep nesting, huge lists, long strings, broken syntax, odd bytes, a BOM, unreadable files, bad
  edge lists; checked with `weishang validate`, some also run for a few days;
- set: `--set` overrides with bad keys (deep, long, non-ASCII digits, out-of-range indices) and
  bad values;
- data: a small exported data folder with cells, headers, encodings and files damaged, scored
  with `weishang risk --data`;
- cli: the commands' arguments out of range or malformed.

Each case runs in a child process forked from this one (the package is imported once, so cases
start fast), without root's power to read any file when this runs as root (so unreadable files
are unreadable), with 60 s and 2 GB allowed. Outcomes:
    ok            refused bad input cleanly (exit 2, at most 3 lines, no traceback) or accepted good input
    traceback     a Python traceback reached the user
    accepted-bad  exit 0 on input that is certainly bad
    refused-good  a non-zero exit on input that is certainly valid
    long-error    an error of more than 3 lines
    left-output   a failed command left output behind
    timeout       over 60 s
    memory        over 2 GB resident
The targets (issue 14) are zero of every outcome but ok. Exit status: 1 if any case missed them.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.cli import main as cli_main  # noqa: E402  (imported once: children fork warm)
from sim.risk.schema import COLUMNS  # noqa: E402

BUNDLED = ROOT / "sim" / "scenarios"
TIME_LIMIT, MEMORY_LIMIT = 60.0, 2 * 1024**3
SMALL = ["--set", "population.people=1500"]


@dataclass
class Case:
    family: str
    label: str
    argv: list[str]
    expect: str = "any"  # "bad", "good" or "any" (only clean behaviour is checked)
    files: dict[str, bytes] = field(default_factory=dict)
    unreadable: tuple[str, ...] = ()
    output: str | None = None  # what must not exist after a failure (relative to the case folder)
    base_data: bool = False  # start from a copy of the exported data folder


# -- scenario files ----------------------------------------------------------------------------
LINE = re.compile(r"^(\s*)([A-Za-z_]+)(\s*=\s*)([^#\n]+?)(\s*(#.*)?)$", re.M)


def bad_literals(value: str) -> list[str]:
    """Literals that are certainly wrong where `value` stands (by its TOML type)."""
    value = value.strip()
    if value in ("true", "false"):
        return ['"yes"', "3", "[true]"]
    if value.startswith('"'):
        return ["5", "[1, 2]", "{ a = 1 }"]
    if value.startswith(("[", "{")):
        return ['"text"', "true"]
    return ['"text"', "nan", "[1, 2]", "{ a = 1 }", "true"]


def scenario_cases(rng: random.Random, n: int) -> list[Case]:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(BUNDLED.glob("*.toml"))}
    cases: list[Case] = []
    makers = [_wrong_value, _edge_value, _deep, _long, _broken, _bom, _huge_list, _mix, _edgelist,
              _unreadable]
    while len(cases) < n:
        name, text = rng.choice(sorted(texts.items()))
        made = rng.choice(makers)(rng, text)
        if made is None:
            continue
        label, body, expect, extra = made
        files = {"s.toml": body if isinstance(body, bytes) else body.encode("utf-8"), **extra}
        unreadable = ("s.toml",) if label == "unreadable" else ()
        if rng.random() < 0.15 and label not in ("deep", "long", "huge-list"):
            argv = ["run", "s.toml", "--days", "3", "--out", "out", *SMALL]
            cases.append(Case("scenario", f"{name}:{label}:run", argv, expect, files, unreadable, "out"))
        else:
            cases.append(Case("scenario", f"{name}:{label}", ["validate", "s.toml"], expect, files,
                              unreadable))
    return cases


def _lines(text: str) -> list[re.Match]:
    return [m for m in LINE.finditer(text) if m.group(2) not in ("description",)]


def _replace(text: str, m: re.Match, literal: str) -> str:
    return text[: m.start(4)] + literal + text[m.end(4):]


def _wrong_value(rng, text):
    m = rng.choice(_lines(text))
    return "wrong-type", _replace(text, m, rng.choice(bad_literals(m.group(4)))), "bad", {}


def _edge_value(rng, text):
    m = rng.choice(_lines(text))
    literal = rng.choice(["-1", "0", "1e308", "-1e308", "inf", "-inf", str(2**63), str(2**70), "1e-320",
                          "0.5", '""', '"\\u0000"', "[]", "{}"])
    return "edge-value", _replace(text, m, literal), "any", {}


def _deep(rng, text):
    depth = rng.choice([200, 1000, 5000, 50_000])
    nested = "[" * depth + "]" * depth if rng.random() < 0.5 else "{ a = " * depth + "1" + " }" * depth
    m = rng.choice(_lines(text))
    return "deep", _replace(text, m, nested), "bad", {}


def _long(rng, text):
    size = rng.choice([5_000, 200_000, 1_000_000])
    m = rng.choice(_lines(text))
    if rng.random() < 0.5:
        return "long", _replace(text, m, '"' + "x" * size + '"'), "any", {}
    return "long", text + f"\n[run]\n{'k' * size} = 1\n", "bad", {}


def _broken(rng, text):
    data = bytearray(text.encode("utf-8"))
    how = rng.choice(["truncate", "byte", "nul", "latin1", "random"])
    if how == "truncate":
        data = data[: rng.randrange(1, len(data))]
    elif how == "byte":
        data[rng.randrange(len(data))] = rng.randrange(256)
    elif how == "nul":
        data.insert(rng.randrange(len(data)), 0)
    elif how == "latin1":
        data += "\n# caf\xe9\n".encode("latin-1")
    else:
        data = bytearray(rng.randbytes(rng.choice([1, 100, 10_000])))
    return f"broken-{how}", bytes(data), "any", {}


def _bom(rng, text):
    return "bom", "\ufeff" + text, "good", {}


def _huge_list(rng, text):
    size = rng.choice([100_000, 3_000_000])
    m = next((m for m in _lines(text) if m.group(2) == "team_bonus"), None)
    if m is None:
        return None
    return "huge-list", _replace(text, m, "[" + ", ".join(["0.001"] * size) + "]"), "bad", {}


def _mix(rng, text):
    m = next((m for m in _lines(text) if m.group(2) == "mix"), None)
    if m is None:
        return None
    weight = rng.choice(["nan", "inf", "-1.0", "-inf"])
    return "mix", _replace(text, m, f"{{ relationship = {weight}, recruiter = 1.0 }}"), "bad", {}


def _edgelist(rng, text):
    path, extra = rng.choice([("a\\u0000b.txt", {}), ("e" * 5000 + ".txt", {}), ("missing.txt", {}),
                              (".", {}), ("edges.txt", {"edges.txt": rng.randbytes(2000)}),
                              ("edges.txt", {"edges.txt": b"0 1\n1 x\n" + b"A" * 100_000}),
                              ("edges.txt", {"edges.txt": b"0 99999999999999999999999\n"})])
    graph = f'\n[population]\ngraph = "edgelist"\nedgelist = "{path}"\n'
    text = re.sub(r"^\[population\][^\[]*", "", text, flags=re.M) + graph
    return "edgelist", text, "bad", extra


def _unreadable(rng, text):
    return "unreadable", text, "bad", {}


# -- --set overrides ---------------------------------------------------------------------------
SET_KEYS = ["population.people", "run.days", "brands.0.quality", "brands.0.tiers.1.price",
            "strategies.recruiter.pitches_per_day", "sellers.mix.recruiter", "brands.0.team_bonus",
            "market.dump_price", "population.graph", "brands.0.shipping"]


def set_cases(rng: random.Random, n: int) -> list[Case]:
    bad_keys = ["", ".", "brands..quality", "brands.\u00b2.quality", "brands.\u0663.quality",
                "brands.99.quality", "brands.-1.quality", "nosuch.key", "population.people.x",
                "a." * 20_000 + "b",
                "k" * 1_000_000, "brands.0.qu\x00ality", "brands.0.tiers.1e3.price"]
    bad_values = ["text", "nan", "inf", "-1", "1e400", "[1,2", "{a=1}", "\x00", "9" * 5000, "",
                  "\u0663", "true"]
    cases = []
    while len(cases) < n:
        if rng.random() < 0.4:
            item, label, expect = f"{rng.choice(bad_keys)}=1", "bad-key", "bad"
        elif rng.random() < 0.8:
            key = rng.choice(SET_KEYS)
            value = rng.choice(bad_values)
            item, label = f"{key}={value}", "bad-value"
            lenient = key in ("brands.0.team_bonus", "population.graph", "brands.0.shipping")
            expect = "any" if lenient else "bad"
            if value == "true" or (value == "-1" and key == "sellers.mix.recruiter"):
                expect = "any"
        else:
            item, label, expect = rng.choice(["noequals", "=5", "==", "a=b=c"]), "malformed", "bad"
        scenario = rng.choice(["pyramid", "honest", "mixed_market"])
        argv = ["validate", str(BUNDLED / f"{scenario}.toml"), "--set", item]
        cases.append(Case("set", label, argv, expect))
    return cases


# -- data folders ------------------------------------------------------------------------------
def data_cases(rng: random.Random, n: int, base: Path) -> list[Case]:
    tables = {p.name: p.read_bytes() for p in sorted(base.glob("*.csv"))}
    cells = ["abc", "", "-1", "1e20", str(2**63), str(2**64), "nan", "inf", "\u00b2", "\u0663\u0664",
             "2025-13-45", "20250101", "01/02/2025", "\x00", "x" * 100_000, "1.5", "0", "-0"]
    cases = []
    while len(cases) < n:
        name = rng.choice(sorted(tables))
        lines = tables[name].split(b"\n")
        how = rng.random()
        expect, label = "any", "cell"
        if how < 0.55 and len(lines) > 2:
            row = rng.randrange(1, min(len(lines) - 1, 200))
            parts = lines[row].split(b",")
            col = rng.randrange(len(parts))
            parts[col] = rng.choice(cells).encode("utf-8")
            lines[row] = b",".join(parts)
            body = b"\n".join(lines)
        elif how < 0.7:
            header = lines[0].split(b",")
            col = rng.randrange(len(header))
            change = rng.choice(["drop", "rename", "nul", "dup"])
            label, expect = f"header-{change}", "bad"
            required = {c for c, _, needed in COLUMNS.get(name, []) if needed}
            if change in ("drop", "rename") and header[col].decode("utf-8", "replace") not in required:
                expect = "any"  # an optional column may be missing (and an unknown one is ignored)
            if change == "drop":
                header.pop(col)
            elif change == "rename":
                header[col] = b"zz_" + header[col]
            elif change == "nul":
                header[col] = header[col][:1] + b"\x00" + header[col][1:]
            else:
                header.append(header[col])
            lines[0] = b",".join(header)
            body = b"\n".join(lines)
        elif how < 0.78:
            label, expect = rng.choice([("bom", "good"), ("crlf", "good")])
            text = tables[name]
            body = b"\xef\xbb\xbf" + text if label == "bom" else text.replace(b"\n", b"\r\n")
        elif how < 0.86:
            label, body = "truncate", tables[name][: rng.randrange(1, len(tables[name]))]
        elif how < 0.93:
            label, body = "garbage", rng.randbytes(rng.choice([10, 5000]))
        else:
            label, expect, body = "missing-or-unreadable", "bad", None
        files = {} if body is None else {f"data/{name}": body}
        unreadable = (f"data/{name}",) if body is None and name in ("orders.csv", "participants.csv") else ()
        if body is None and not unreadable:
            files = {f"data/{name}": None}
            expect = "any" if name in ("claims.csv", "period.csv") else "bad"
        cases.append(Case("data", f"{name}:{label}", ["risk", "--data", "data", "--out", "out"], expect,
                          files, unreadable, "out/risk.json", base_data=True))
    return cases


# -- the commands' arguments -------------------------------------------------------------------
def cli_cases(rng: random.Random, n: int) -> list[Case]:
    bad = [["run", "pyramid", "--days", "-1"], ["run", "pyramid", "--days", "abc"],
           ["run", "pyramid", "--days", "10000000000"], ["run", "pyramid", "--seed", "-5"],
           ["run", "pyramid", "--seed", str(2**70)], ["run", "nosuch"], ["run"],
           ["run", "pyramid", "--bogus"],
           ["run", "pyramid", "--days", "2", "--out", "file.txt", *SMALL],
           ["run", "pyramid", "--days", "2", "--out", "/proc/nope/x", *SMALL],
           ["batch", "pyramid", "-r", "0", "--out", "out"], ["batch", "pyramid", "-r", "-3", "--out", "out"],
           ["batch", "pyramid", "-j", "0", "--out", "out"], ["batch", "pyramid", "-j", "-2", "--out", "out"],
           ["batch", "pyramid", "-r", "abc", "--out", "out"], ["compare", "--out", "out"],
           ["compare", "pyramid", "nosuch", "--out", "out"], ["report", "nosuch"], ["report", "file.txt"],
           ["risk", "nosuch"], ["risk", "--data", "nosuch"], ["risk", "file.txt"],
           ["export-data", "nosuch", "out"], ["patterns", "nosuch", "--out", "out"],
           ["patterns", "pyramid", "-r", "0", "--out", "out"],
           ["explore", "pyramid", "--vary", "x", "--out", "out"],
           ["explore", "pyramid", "--vary", "brands.0.quality=1:0", "--target", "verdict==high",
            "--out", "out"],
           ["explore", "pyramid", "--vary", "brands.0.quality=0:1", "--target", "nosuch>1", "--out", "out"],
           ["explore", "pyramid", "--vary", "brands.0.quality=0:5", "--target", "verdict==high",
            "--out", "out"],
           ["sweep", "pyramid", "--vary", "brands.0.quality", "--out", "out"],
           ["calibrate", "pyramid", "--data", "nosuch", "--vary", "brands.0.quality=0:1", "--out", "out"],
           ["forecast", "nosuch", "--days", "30", "--out", "out"], ["serve", "--port", "-1"],
           ["serve", "--port", "abc"], ["serve", "nosuch"], ["validate"], ["validate", "nosuch.toml"],
           ["nosuch-command"], ["run", "pyramid", "--set"], ["batch", "--scheduler", "tcp://127.0.0.1:1",
                                                            "pyramid", "--out", "out"]]
    cases = []
    while len(cases) < n:
        argv = list(rng.choice(bad))
        output = "out" if "--out" in argv and argv[argv.index("--out") + 1] == "out" else None
        cases.append(Case("cli", " ".join(argv)[:60], argv, "bad", {"file.txt": b"not a folder\n"},
                          output=output))
    return cases


# -- running a case ----------------------------------------------------------------------------
def prepare(case: Case, folder: Path, base: Path) -> None:
    if case.base_data:
        shutil.copytree(base, folder / "data")
    for name, body in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if body is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(body)
    for name in case.unreadable:
        (folder / name).chmod(0)


def drop_file_override() -> None:
    """Give up root's capabilities to read and search any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH),
    keeping the rest: a file with no permissions is then unreadable here as for any user."""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # (effective, permitted, inheritable) x 2 words
    if libc.capget(header, data) != 0:
        return
    keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF
    data[0] &= keep
    data[1] &= keep
    libc.capset(header, data)


def execute(case: Case, folder: Path) -> tuple[int | None, str, float, int]:
    """Run the case in a forked child; returns (exit code or None if killed, stderr, seconds, peak KiB)."""
    err_path = folder.parent / f"{folder.name}.stderr"
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: become the user, run the command, exit with its status
        try:
            os.chdir(folder)
            drop_file_override()
            fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            os.dup2(fd, 2)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            cli_main(args=case.argv, prog_name="weishang")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:  # what a user would see: Python's own report
            import traceback

            traceback.print_exc()
            code = 1
        sys.stderr.flush()
        os._exit(code)
    peak, killed = 0, None
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        rss = _rss(pid)
        if time.monotonic() - start > TIME_LIMIT:
            killed = "timeout"
        elif rss > MEMORY_LIMIT:
            killed = "memory"
        if killed:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.02)  # a polling monitor, not a test
    seconds = time.monotonic() - start
    stderr = err_path.read_text(encoding="utf-8", errors="replace") if err_path.exists() else ""
    peak = max(peak, usage.ru_maxrss)
    if killed:
        return None, killed, seconds, peak
    return (os.waitstatus_to_exitcode(status), stderr, seconds, peak)


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def judge(case: Case, code: int | None, stderr: str, folder: Path) -> str:
    if code is None:
        return stderr  # "timeout" or "memory"
    if "Traceback (most recent call last)" in stderr or "MemoryError" in stderr:
        return "traceback"
    if code == 0:
        return "accepted-bad" if case.expect == "bad" else "ok"
    if case.expect == "good":
        return "refused-good"
    if len([line for line in stderr.splitlines() if line.strip()]) > 3:
        return "long-error"
    if case.output and (folder / case.output).exists():
        return "left-output"
    return "ok"


def exported_data(work: Path) -> Path:
    """A small data folder in the records schema (a short simulated pyramid, exported)."""
    run, data = work / "base-run", work / "base-data"
    for argv in (["run", "pyramid", "--days", "90", "--out", str(run), "--set", "population.people=30000",
                  "-q"], ["export-data", str(run), str(data)]):
        pid = os.fork()
        if pid == 0:
            try:
                cli_main(args=argv, prog_name="weishang")
            except SystemExit as stop:
                os._exit(stop.code if isinstance(stop.code, int) else 0)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"could not make the base data folder with: weishang {' '.join(argv)}")
    for extra in data.glob("risk*"):
        shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1200, help="cases in all, split over the families")
    parser.add_argument("--family", choices=("scenario", "set", "data", "cli"), action="append",
                        help="only these families (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=3, help="examples to print per failing outcome")
    args = parser.parse_args()
    families = args.family or ["scenario", "set", "data", "cli"]
    share = {"scenario": 0.4, "set": 0.25, "data": 0.2, "cli": 0.15}
    total = sum(share[f] for f in families)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="weishang-fuzz-") as tmp:
        work = Path(tmp)
        base = exported_data(work) if "data" in families else work
        cases: list[Case] = []
        for family in families:
            count = max(1, round(args.cases * share[family] / total))
            if family == "scenario":
                cases += scenario_cases(rng, count)
            elif family == "set":
                cases += set_cases(rng, count)
            elif family == "data":
                cases += data_cases(rng, count, base)
            else:
                cases += cli_cases(rng, count)
        counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        examples: dict[str, list[str]] = collections.defaultdict(list)
        slowest, heaviest = 0.0, 0
        started = time.monotonic()
        for i, case in enumerate(cases):
            folder = work / f"case{i}"
            folder.mkdir()
            prepare(case, folder, base)
            code, stderr, seconds, peak = execute(case, folder)
            outcome = judge(case, code, stderr, folder)
            counts[case.family][outcome] += 1
            slowest, heaviest = max(slowest, seconds), max(heaviest, peak)
            if outcome != "ok" and len(examples[outcome]) < args.show:
                tail = " | ".join(stderr.strip().splitlines()[-2:])[:200]
                examples[outcome].append(f"{case.family} {case.label}: exit {code}: {tail}")
            shutil.rmtree(folder, ignore_errors=True)
            if (i + 1) % 100 == 0:
                print(f"  {i + 1}/{len(cases)} cases, {time.monotonic() - started:.0f} s", file=sys.stderr)
    outcomes = ["ok", "traceback", "accepted-bad", "refused-good", "long-error", "left-output", "timeout",
                "memory"]
    print(f"{len(cases)} cases (seed {args.seed}); slowest {slowest:.1f} s, peak {heaviest / 1024:.0f} MiB")
    print("family    " + "".join(f"{o:>14}" for o in outcomes))
    for family in families:
        print(f"{family:<10}" + "".join(f"{counts[family][o]:>14}" for o in outcomes))
    missed = sum(c[o] for c in counts.values() for o in outcomes[1:])
    for outcome, lines in examples.items():
        print(f"\n{outcome}:")
        for line in lines:
            print("  " + line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
