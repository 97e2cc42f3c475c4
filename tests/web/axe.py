"""axe-core accessibility scans for the browser tests (issue 16: every page and control passes one).

axe-core comes from PyPI inside `axe-playwright-python` (a dev dependency in pyproject.toml, locked with
hashes like the rest): its wheel bundles `axe.min.js`, so nothing is fetched when the tests run. Only
that file is used; the scan is driven here. The script is evaluated through Playwright (the DevTools
protocol), which the page's Content-Security-Policy does not cover, so the policy stays on while scanning.

`assert_accessible(page)` runs every rule axe-core runs by default (WCAG 2.0/2.1/2.2 A and AA and its
best practices) and fails on any violation, whatever its impact (minor and moderate too: the pages had
none when the scans came in, so any new one is a regression), listing each rule, node and message.
"""

import json
from functools import cache
from pathlib import Path

# Rules switched off, with the reason. None today: keep each one named here with why.
EXCLUDED_RULES: dict[str, str] = {}


@cache
def axe_source() -> str:
    from axe_playwright_python.base import AXE_FILE_PATH

    return Path(AXE_FILE_PATH).read_text(encoding="utf-8")


def axe_violations(page, *, context: str | None = None) -> list[dict]:
    """The violations axe-core finds in the page as it is now (or in the element `context` selects)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in EXCLUDED_RULES},
    }
    results = page.evaluate(
        "([context, options]) => window.axe.run(context || document, options)", [context, options]
    )
    return results["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}".replace("\n", " "))
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page, *, context: str | None = None) -> None:
    """Fail on any axe-core violation on the page as it is now (or under `context`)."""
    violations = axe_violations(page, context=context)
    assert not violations, f"axe-core violations on {page.url}:\n{describe(violations)}"
