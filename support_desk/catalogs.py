"""Compile the gettext catalogs (locale/<code>/LC_MESSAGES/django.po -> django.mo) with Babel.

`make install` runs this (`python -m support_desk.catalogs`), so a fresh machine needs no GNU gettext:
Babel (pure Python, the Pallets-era i18n library Django's own docs point to for CLDR data) reads and
writes the same formats as msgfmt. The .mo files are build output and not in the repository.

`--check` compiles nothing and exits 1 when a catalog is missing its .mo or its .mo is older than the
.po (the test suite asks the same question before it starts: tests/conftest.py).

Fuzzy entries are left out of the .mo, as msgfmt does: a translation marked fuzzy is not trusted.
"""

import argparse
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def stale(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The .po files whose .mo is missing or older."""
    out = []
    for po in catalogs(locale_dir):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            out.append(po)
    return out


def compile_catalog(po: Path) -> int:
    """Write `po`'s .mo next to it; returns how many messages it translates."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name.replace("-", "_"))
    errors = [(message.id, error) for message, errors in catalog.check() for error in errors]
    if errors:
        raise SystemExit(f"{po}: {errors[0][1]} (in {errors[0][0]!r}) and {len(errors) - 1} more")
    with po.with_suffix(".mo").open("wb") as target:
        write_mo(target, catalog, use_fuzzy=False)
    return sum(1 for message in catalog if message.id and message.string and not message.fuzzy)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether every catalog is compiled")
    args = parser.parse_args(argv)
    if args.check:
        missing = stale()
        for po in missing:
            print(f"not compiled: {po}", file=sys.stderr)
        return 1 if missing else 0
    for po in catalogs():
        count = compile_catalog(po)
        print(f"{po.relative_to(LOCALE_DIR.parent)}: {count} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
