"""CSV exports, written with the csv module and streamed: rows in, text out, nothing held in memory.

Text a customer or an engineer typed (ticket subjects, customer names, usernames) is written so a
spreadsheet does not run it as a formula: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading apostrophe (OWASP's advice against CSV injection). Numbers and instants are
written as they are. Files start with a byte-order mark so spreadsheet programs read them as UTF-8.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from escalation.reports.selectors.availability import CustomerAvailability, MonthAvailability
from escalation.reports.selectors.filters import PERCENTILES
from escalation.reports.selectors.sla_report import ReportRow, SlaReport
from escalation.sla.models import LedgerEntry

# The ledger's own canonical form, so the exported values are exactly what each hash covers.
from escalation.sla.services.ledger import HASHED_FIELDS, VOID_FIELDS, _canonical
from tickets.models import Ticket

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINES_PER_CHUNK = 200


class _Echo:
    """A file-like object whose write() returns what it was given: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def text_cell(value: str | None) -> str:
    """User-supplied text, safe to open in a spreadsheet."""
    if value is None:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def seconds(span: timedelta | None) -> int | str:
    return "" if span is None else round(span.total_seconds())


def instant(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(zone).isoformat()


def csv_stream(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The header and the rows as CSV text, a few hundred lines per chunk."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    chunk = [BOM + writer.writerow(header)]
    for row in rows:
        chunk.append(writer.writerow(row))
        if len(chunk) >= LINES_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


# --- the grouped report ---------------------------------------------------------------------------

_PERCENTILE_COLUMNS = [
    ("first_response", "first_response_business"),
    ("first_response_wall", "first_response_wall"),
    ("resolution", "resolution_business"),
    ("resolution_wall", "resolution_wall"),
    ("time_to_acknowledge", "time_to_acknowledge"),
]
REPORT_HEADER = [
    "group_by",
    "key",
    "label",
    "tickets",
    "met",
    "breached",
    "compliance_percent",
    *(f"{column}_{name}_seconds" for _, column in _PERCENTILE_COLUMNS for name in PERCENTILES),
    "paused_seconds",
    "escalations",
    "pages_acknowledged",
]
TOTAL_KEY = "(all)"


def _report_line(group_by: str, row: ReportRow, *, total: bool) -> list:
    line = [
        group_by,
        TOTAL_KEY if total else ("" if row.key is None else text_cell(str(row.key))),
        "" if row.label is None else text_cell(str(row.label)),
        row.tickets,
        row.met,
        row.breached,
        "" if row.compliance is None else f"{row.compliance:.2f}",
    ]
    for attribute, _ in _PERCENTILE_COLUMNS:
        percentiles = getattr(row, attribute)
        line += [seconds(getattr(percentiles, name)) for name in PERCENTILES]
    return [*line, seconds(row.paused), row.escalations, row.pages_acknowledged]


def report_csv(report: SlaReport) -> Iterator[str]:
    """One line per group, then the total (key `(all)`); durations in whole seconds."""
    lines = [_report_line(report.group_by, row, total=False) for row in report.groups]
    lines.append(_report_line(report.group_by, report.total, total=True))
    return csv_stream(REPORT_HEADER, lines)


# --- the breach list ------------------------------------------------------------------------------

BREACH_HEADER = [
    "ticket",
    "subject",
    "customer",
    "severity",
    "plan",
    "metric",
    "cycle",
    "engineer",
    "started_at",
    "promised_at",
    "achieved_at",
    "open",
    "overshoot_business_seconds",
    "late_by_seconds",
    "highest_escalation_step",
]


def breach_line(row: LedgerEntry, zone: ZoneInfo) -> list:
    """A `breach_list` row. An open cycle has no achieved time and no business overshoot yet."""
    is_open = row.kind == LedgerEntry.Kind.BREACH
    return [
        _reference(row.ticket_id),
        text_cell(row.subject),
        text_cell(row.customer.name) if row.customer_id else "",
        row.severity,
        row.plan,
        row.metric,
        row.cycle,
        text_cell(row.engineer.get_username()) if row.engineer_id else "",
        instant(row.started_at, zone),
        instant(row.due_at, zone),
        instant(row.achieved_at, zone),
        "true" if is_open else "false",
        "" if is_open else seconds(row.overshoot),
        seconds(row.late_by),
        row.highest_step,
    ]


def _reference(ticket_id: int) -> str:
    return Ticket(pk=ticket_id).reference


def breaches_csv(rows: Iterable[LedgerEntry], zone: ZoneInfo) -> Iterator[str]:
    return csv_stream(BREACH_HEADER, (breach_line(row, zone) for row in rows))


# --- the ledger -----------------------------------------------------------------------------------

# The void columns last: hashed only when set (`voided` rows), so a reader recomputing a row's hash adds
# them to the payload only then (`escalation.sla.services.ledger.entry_hash`).
LEDGER_HEADER = [*HASHED_FIELDS, "hash", "ticket", "customer", *VOID_FIELDS]


def _ledger_value(value) -> str | int:
    canonical = _canonical(value)
    if canonical is None:
        return ""
    if isinstance(canonical, bool):
        return "true" if canonical else "false"
    if isinstance(canonical, Decimal):
        return str(canonical)
    return canonical


def ledger_line(entry: LedgerEntry) -> list:
    """Every hashed field exactly as the hash covers it (UTC instants, durations in microseconds,
    booleans as true/false, empty for null), then the row's hash, its ticket and customer name, and
    who voided it and why (empty but on `voided` rows)."""
    return [
        *(_ledger_value(getattr(entry, name)) for name in HASHED_FIELDS),
        entry.hash,
        _reference(entry.ticket_id),
        text_cell(entry.customer.name) if entry.customer_id else "",
        _ledger_value(entry.voided_by_id),
        entry.void_reason,  # our own words ("closed as spam"), never user text
    ]


def ledger_csv(entries: Iterable[LedgerEntry]) -> Iterator[str]:
    return csv_stream(LEDGER_HEADER, (ledger_line(entry) for entry in entries))


# --- availability ---------------------------------------------------------------------------------

AVAILABILITY_HEADER = [
    "month",
    "customer_id",
    "customer",
    "plan",
    "minutes",
    "downtime_minutes",
    "availability",
    "commitment",
    "met",
    "credit_percent",
    "credit_amount",
    "monthly_fee",
    "currency",
    "incidents",
]


def availability_line(month: str, row: CustomerAvailability) -> list:
    """The API's figures written as the API writes them (percentages with 3 or 2 decimals, amounts with
    2); `incidents` is their ids separated by spaces."""
    figures = row.availability
    return [
        month,
        row.customer_id,
        text_cell(row.name),
        row.plan,
        figures.minutes,
        figures.downtime_minutes,
        f"{figures.availability:.3f}",
        f"{figures.commitment:.3f}",
        "true" if figures.met else "false",
        f"{figures.credit_percent:.2f}",
        f"{figures.credit_amount:.2f}",
        f"{row.monthly_fee:.2f}",
        row.currency,
        " ".join(str(incident) for incident in row.incidents),
    ]


def availability_csv(report: MonthAvailability) -> Iterator[str]:
    month = f"{report.month:%Y-%m}"
    return csv_stream(AVAILABILITY_HEADER, (availability_line(month, row) for row in report.customers))
