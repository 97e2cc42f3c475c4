"""Finding a person's words in other people's text. Pure: no ORM, no clock.

What it finds, and what it cannot (docs/privacy.md repeats this):

- `literals`: the person's address, phone number or full name, anywhere, case-insensitively;
- `words`: parts of a name (a first name in "Hi Zebulon,"), only as whole words;
- `quoted`: the person's own texts. A line of someone else's text is theirs when it starts with `>`
  (mail-style quoting) or when, at `QUOTE_MIN_CHARS` characters or more, it appears in one of them
  (a pasted paragraph, a merged duplicate's copy);
- `fragments`: the person's subjects, also cut short (a page quotes 57 or 120 characters of one): the
  longest start of each, of at least `QUOTE_MIN_CHARS`, is removed wherever it appears.

It cannot find a paraphrase, a short inline quote ("you said 'it stalls'"), a translation, or the person's
words inside a file attached by somebody else.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MARKER = "[erased]"
QUOTE_MIN_CHARS = 16
WORD_MIN_CHARS = 3


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Person:
    """What identifies one person's data in text."""

    literals: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    quoted: tuple[str, ...] = ()
    fragments: tuple[str, ...] = ()
    _quoted_normal: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, *, literals: Iterable[str] = (), words: Iterable[str] = (), quoted: Iterable[str] = (),
           fragments: Iterable[str] = ()) -> "Person":  # fmt: skip
        literals = tuple(
            sorted({s for s in literals if s and len(s) >= WORD_MIN_CHARS}, key=len, reverse=True)
        )
        words = tuple(sorted({w for w in words if w and len(w) >= WORD_MIN_CHARS}, key=len, reverse=True))
        quoted = tuple(q for q in quoted if q and q != MARKER)
        fragments = tuple(f for f in fragments if f and len(f) >= QUOTE_MIN_CHARS and f != MARKER)
        return cls(literals, words, quoted, fragments, tuple(_normal(q) for q in quoted))

    def __bool__(self) -> bool:
        return bool(self.literals or self.words or self.quoted or self.fragments)


def _quoted_line(line: str, person: Person) -> bool:
    stripped = line.strip()
    if stripped.startswith(">"):
        return True
    normal = _normal(stripped)
    return len(normal) >= QUOTE_MIN_CHARS and any(normal in q for q in person._quoted_normal)


def scrub_text(text: str, person: Person) -> tuple[str, int]:
    """`text` without `person`'s data, and how many pieces were removed."""
    if not text or not person:
        return text, 0
    removed = 0
    if person.quoted:
        lines = text.split("\n")
        kept = []
        for line in lines:
            if line.strip() and line.strip() != MARKER and _quoted_line(line, person):
                removed += 1
                if not kept or kept[-1] != MARKER:
                    kept.append(MARKER)
            else:
                kept.append(line)
        text = "\n".join(kept)
    for fragment in person.fragments:
        folded = text.casefold()
        for length in range(len(fragment), QUOTE_MIN_CHARS - 1, -1):
            start = folded.find(fragment[:length].casefold())
            if start >= 0:
                text = text[:start] + MARKER + text[start + length :]
                removed += 1
                break
    for literal in person.literals:
        text, n = re.subn(re.escape(literal), MARKER, text, flags=re.IGNORECASE)
        removed += n
    for word in person.words:
        text, n = re.subn(rf"(?<!\w){re.escape(word)}(?!\w)", MARKER, text, flags=re.IGNORECASE)
        removed += n
    return text, removed


def scrub_json(value, person: Person, *, drop_keys: frozenset[str] = frozenset()):
    """`value` (JSON data) with every string scrubbed and the keys `drop_keys` removed; and the count."""
    removed = 0

    def walk(item):
        nonlocal removed
        if isinstance(item, str):
            text, n = scrub_text(item, person)
            removed += n
            return text
        if isinstance(item, list):
            return [walk(x) for x in item]
        if isinstance(item, dict):
            out = {}
            for key, inner in item.items():
                if key in drop_keys:
                    removed += 1
                    continue
                out[key] = walk(inner)
            return out
        return item

    result = walk(value)
    return result, removed


def mentions(value, needle: str) -> bool:
    """Whether `needle` appears in `value` (text or JSON data), case-insensitively."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return needle.casefold() in text.casefold()
