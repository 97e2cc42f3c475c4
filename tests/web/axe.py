"""axe-core accessibility scans for the browser tests (issue 16: every page and control passes one).

axe-core comes from PyPI inside `axe-playwright-python` (a dev dependency in pyproject.toml, locked with
hashes like the rest): its wheel bundles `axe.min.js`, so nothing is fetched when the tests run. Only
that file is used; the scan is driven here. The script is evaluated through Playwright (the DevTools
protocol), which the page's Content-Security-Policy does not cover, so the policy stays on while scanning.

`assert_accessible(page)` runs every rule axe-core runs by default (WCAG 2.0/2.1/2.2 A and AA and its
best practices) and fails on any violation, whatever its impact (minor and moderate too: the pages had
none when the scans came in, so any new one is a regression), listing each rule, node and message.
It also fails on the checks axe leaves "incomplete" (needs review), except the rules named in
REVIEWED_BY_HAND: an `aria-describedby` naming an id that is not on the page is only "incomplete" to
axe (the id might come later), and it was a real fault of the report forms.
"""

import json
from functools import cache
from pathlib import Path

# Rules switched off, with the reason. None today: keep each one named here with why.
EXCLUDED_RULES: dict[str, str] = {}
# Rules whose "incomplete" results do not fail the scan, with the reason.
REVIEWED_BY_HAND = {
    "color-contrast": "axe cannot tell the background behind the report chart's SVG text or under a modal"
    " dialog's backdrop; those colours are checked by hand (static/web/reports.css, desk.css)",
}


@cache
def axe_source() -> str:
    from axe_playwright_python.base import AXE_FILE_PATH

    return Path(AXE_FILE_PATH).read_text(encoding="utf-8")


def axe_findings(page, *, context: str | None = None) -> list[dict]:
    """What axe-core finds in the page as it is now (or in the element `context` selects): its
    violations, then its incomplete results other than those REVIEWED_BY_HAND."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    options = {
        "resultTypes": ["violations", "incomplete"],
        "rules": {rule: {"enabled": False} for rule in EXCLUDED_RULES},
    }
    results = page.evaluate(
        "([context, options]) => window.axe.run(context || document, options)", [context, options]
    )
    unsure = [
        {**finding, "impact": f"{finding['impact']}, incomplete"}
        for finding in results["incomplete"]
        if finding["id"] not in REVIEWED_BY_HAND
    ]
    return results["violations"] + unsure


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}".replace("\n", " "))
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page, *, context: str | None = None) -> None:
    """Fail on any axe-core finding on the page as it is now (or under `context`)."""
    violations = axe_findings(page, context=context)
    assert not violations, f"axe-core violations on {page.url}:\n{describe(violations)}"
