"""The house's rules, checked: the import contracts, and citations that stay inside the repo."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITED = re.compile(r"docs/domain\.md#([a-z0-9-]+)")


def test_import_contracts_hold():
    # pyproject.toml's [tool.importlinter]: families as layers, no cycles at any level (type-only
    # imports included), risk reaches the model only through its converter, the ledger stands alone.
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def _project_texts() -> list[Path]:
    files = [ROOT / "README.md", *ROOT.glob("sim/**/*.py"),
             *ROOT.glob("sim/scenarios/*.toml"), *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py")]
    return [f for f in files if f.name != Path(__file__).name]


def test_citations_point_inside_the_repository():
    # The old forms: paths up out of the checkout into the team's folder of notes, the notes'
    # background file, and its numbered source tags. Spelled in pieces, so this line is not one.
    team, notes = "sha" + "red", "DOM" + "AIN"
    outside = re.compile("|".join([re.escape(f"../{team}"), re.escape(f"{team}/notes"), rf"{notes}\.md",
                                   rf"{notes} \[", r"\[00[0-4]\]"]))
    found = [f"{f.relative_to(ROOT)}:{n}" for f in _project_texts()
             for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if outside.search(line)]
    assert not found, f"citations of files a user does not have: {found}"


def test_every_cited_section_of_the_domain_page_exists():
    headings = [line.lstrip("#").strip() for line in (ROOT / "docs" / "domain.md").read_text(
        encoding="utf-8").splitlines() if line.startswith("#")]
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
    cited = {(f.relative_to(ROOT), a) for f in _project_texts()
             for a in CITED.findall(f.read_text(encoding="utf-8"))}
    assert cited, "the code cites the domain page"
    missing = sorted(str(c) for c in cited if c[1] not in anchors)
    assert not missing, f"links to sections docs/domain.md does not have: {missing}"
