"""A customer's monthly SLA statement as a document: its canonical JSON, its signature, its CSV form,
and reading either back. Pure: no ORM, no clock, no settings; the key comes from the caller.

The document holds only strings, integers, booleans, lists, objects and nulls (decimals and instants as
strings), so its canonical JSON (keys sorted, no spaces, ASCII) is the same bytes every time it is read
and written again. The JSON download is that canonical form with one more key, `signature`: the
HMAC-SHA256 (hex) under the statement key (LEDGER_CHECKPOINT_KEY) of the canonical JSON of everything
else. The CSV download ends with a line `signature,<hex>`: the HMAC-SHA256 under the same key of every
byte of the file before that line. An unsigned statement (no key configured) has an empty signature.
"""

import csv
import hashlib
import hmac
import io
import json
from dataclasses import dataclass

FORMAT = "support-desk-sla-statement/1"
BOM = "\ufeff"
ROW_COLUMNS = (
    "seq", "hash", "ticket", "metric", "cycle", "kind", "severity", "started_at", "due_at", "achieved_at",
    "target_seconds", "elapsed_seconds", "met",
)  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHECKPOINT_FIELDS = ("seq", "hash", "at", "signature")
PAIR = 2  # a `name,value` line of the CSV's head


class StatementFileError(ValueError):
    """The file is not a statement this desk wrote (unreadable, or missing a part); the message says why."""


def canonical_json(document: dict) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _hmac(message: bytes, key: str) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def statement_signature(document: dict, *, key: str) -> str:
    """HMAC-SHA256 (hex) of the canonical JSON of `document` (without any `signature` key); "" unkeyed."""
    if not key:
        return ""
    body = {name: value for name, value in document.items() if name != "signature"}
    return _hmac(canonical_json(body).encode(), key)


def statement_json(document: dict, *, signature: str) -> str:
    """The JSON download: the canonical document with its signature."""
    return canonical_json({**document, "signature": signature})


def _cell(value) -> str:
    """One CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_lines(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return out.getvalue()


def statement_csv(document: dict, *, key: str) -> str:
    """The CSV download: what the statement is about and its checkpoint as `name,value` lines, a blank
    line, the ledger rows under a header, a blank line, and `signature,<hex>` over every byte before it."""
    checkpoint = document["checkpoint"]
    head = [
        ("statement", FORMAT),
        ("customer", document["customer"]["name"]),
        ("customer_id", document["customer"]["id"]),
        ("month", document["month"]),
        ("made_at", document["made_at"]),
        *((f"checkpoint_{name}", checkpoint[name]) for name in CHECKPOINT_FIELDS),
        *(
            (f"{metric}_{figure}", totals[figure])
            for metric, totals in document["totals"].items()
            for figure in ("met", "breached", "compliance")
        ),
        ("signed", document["signed"]),
    ]
    rows = [[row[column] for column in ROW_COLUMNS] for row in document["rows"]]
    text = BOM + _csv_lines(head) + "\r\n" + _csv_lines([ROW_COLUMNS, *rows]) + "\r\n"
    signature = _hmac(text.encode(), key) if key else ""
    return text + _csv_lines([("signature", signature)])


@dataclass(frozen=True)
class StatementFile:
    """What verifying a downloaded statement needs from it, whichever its form."""

    kind: str  # "json" or "csv"
    signed_ok: bool | None  # the signature checked under the key; None when the file carries none
    month: str
    customer: str
    checkpoint: dict  # seq (int), hash, at, signature
    rows: list[tuple[int, str, str]]  # (seq, hash, ticket reference)


def _checkpoint(values: dict) -> dict:
    try:
        return {
            "seq": int(values["seq"]),
            "hash": str(values["hash"]),
            "at": str(values["at"]),
            "signature": str(values["signature"] or ""),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise StatementFileError(f"its checkpoint is incomplete ({exc})") from exc


def _read_json(text: str, key: str) -> StatementFile:
    try:
        document = json.loads(text)
        signature = str(document.get("signature") or "")
        rows = [(int(row["seq"]), str(row["hash"]), str(row["ticket"])) for row in document["rows"]]
        checkpoint = _checkpoint(document["checkpoint"])
        month, customer = str(document["month"]), str(document["customer"]["name"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StatementFileError(f"not a statement's JSON ({exc})") from exc
    signed_ok = None
    if signature:
        signed_ok = bool(key) and hmac.compare_digest(statement_signature(document, key=key), signature)
    return StatementFile("json", signed_ok, month, customer, checkpoint, rows)


def _read_csv(data: bytes, key: str) -> StatementFile:
    cut = data.rstrip(b"\r\n").rfind(b"\n") + 1
    body, last = data[:cut], data[cut:].decode("utf-8", "replace").strip()
    if not last.startswith("signature,"):
        raise StatementFileError("its last line is not the signature")
    signature = last.removeprefix("signature,")
    text = body.decode("utf-8", "replace").removeprefix(BOM)
    head_text, _, table_text = text.partition("\r\n\r\n")
    try:
        head = [row for row in csv.reader(io.StringIO(head_text, newline="")) if len(row) == PAIR]
        table = list(csv.reader(io.StringIO(table_text, newline="")))
    except csv.Error as exc:
        raise StatementFileError(f"not a statement's CSV ({exc})") from exc
    values = dict(head)
    if values.get("statement") != FORMAT or not table or tuple(table[0]) != ROW_COLUMNS:
        raise StatementFileError("not a statement's CSV (its head or its table's header is not ours)")
    try:
        rows = [(int(r[0]), r[1], r[2]) for r in table[1:] if r]
    except (ValueError, IndexError) as exc:
        raise StatementFileError(f"a ledger row of its table is malformed ({exc})") from exc
    checkpoint = _checkpoint({name: values.get(f"checkpoint_{name}") for name in CHECKPOINT_FIELDS})
    signed_ok = None
    if signature:
        signed_ok = bool(key) and hmac.compare_digest(_hmac(body, key), signature)
    return StatementFile(
        "csv", signed_ok, values.get("month", ""), values.get("customer", ""), checkpoint, rows
    )


def statement_read(data: bytes, *, key: str) -> StatementFile:
    """A downloaded statement (JSON or CSV), with its signature checked under `key`."""
    stripped = data.lstrip()
    if stripped.startswith(b"{"):
        return _read_json(stripped.decode("utf-8", "replace"), key)
    return _read_csv(data, key)


def is_statement_json(text: str) -> bool:
    """Whether `text` is a statement's JSON (rather than checkpoint lines): for `verify_ledger`."""
    try:
        document = json.loads(text)
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("format") == FORMAT
