"""The import contract ([tool.importlinter] in pyproject.toml), checked by import-linter on every run.

`support_desk` -> `escalation` -> `tickets`, never upwards; services, selectors and the enqueue seams
never import tasks, views or webhooks (the tasks import the services); no import cycles between sibling
modules or packages. An import inside a function counts like one at the top of the module.
"""

import subprocess
import sys
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
    assert "Contracts: 3 kept, 0 broken." in report  # every contract in pyproject.toml was checked
