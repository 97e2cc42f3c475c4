"""The import contract ([tool.importlinter] in pyproject.toml), checked by import-linter on every run.

`support_desk` -> `escalation` -> `tickets`, never upwards; services, selectors and the enqueue seams
never import tasks, views or webhooks (the tasks import the services); no import cycles between sibling
modules or packages. An import inside a function counts like one at the top of the module.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# `python -c` puts the working directory first on sys.path, so the code checked is this checkout's.
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(no_cache=True, no_logo=True))"
)


def test_the_import_contract_holds():
    result = subprocess.run(
        [sys.executable, "-c", LINT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"the import contract is broken:\n{report}"
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert len(contracts) == 5
    assert f"Contracts: {len(contracts)} kept, 0 broken." in report  # every contract was checked


def test_the_layer_diagram_in_the_docs_is_the_contract():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    by_id = {contract["id"]: contract for contract in contracts}
    doc = (ROOT / "docs" / "architecture.md").read_text()
    diagram = re.search(r"The import layers.*?```\n(.*?)```", doc, re.S).group(1)
    apps = [line.split()[0] for line in diagram.splitlines() if re.match(r"^[a-z_]+ ", line)]
    assert apps == by_id["apps-layered"]["layers"]
    # The artifacts inside escalation, drawn indented under it: `reports/`, `paging/`, ... `zones.py`.
    artifacts = re.findall(r"^ +\|.*?\| +([a-z_]+)(?:/|\.py) ", diagram, re.M)
    assert by_id["escalation-artifacts-layered"]["containers"] == ["escalation"]
    assert artifacts == by_id["escalation-artifacts-layered"]["layers"]


def test_each_escalation_artifact_has_the_same_parts_and_a_mirrored_test_folder():
    for artifact in ("roster", "sla", "paging", "incidents"):
        folder = ROOT / "escalation" / artifact
        assert (folder / "models.py").is_file(), artifact
        assert (folder / "services").is_dir(), artifact
        assert (folder / "selectors.py").is_file(), artifact
        assert (folder / "README.md").is_file(), artifact
        assert list((ROOT / "tests" / "escalation" / artifact).glob("test_*.py")), artifact
