"""Canned replies' placeholders: which there are, which a body names, and the body with them filled in.

Pure: no ORM, no clock. Plain substitution of `{{name}}` (spaces inside the braces allowed): nothing in
a body is ever evaluated, looked up as an attribute or escaped, and a value put in is never scanned for
placeholders again. Text that is not `{{...}}` (a lone brace, `{% ... %}`) is left as it is.
"""

import re
from collections.abc import Mapping

PLACEHOLDERS: dict[str, str] = {
    "requester_name": "The requester's name (their email address when they gave no name).",
    "reference": "The ticket's reference, e.g. SD-1042.",
    "engineer_name": "The name of the engineer sending the reply.",
    "due_local": "When the resolution is due, in the customer's zone (e.g. Wed 11 Jun 2025, 15:00 CEST).",
}

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def unknown_placeholders(body: str) -> list[str]:
    """The placeholders `body` names that are not in PLACEHOLDERS, each once, in order of appearance."""
    unknown: list[str] = []
    for match in _PLACEHOLDER.finditer(body):
        name = match.group(1)
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def render(body: str, values: Mapping[str, str]) -> str:
    """`body` with each known placeholder replaced by its value in one pass; unknown ones stay as written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body)
