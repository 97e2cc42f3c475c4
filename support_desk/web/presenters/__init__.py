"""What the pages say about tickets and their clocks, in words. No queries and no clock reads.

Each function takes the objects the selectors loaded (with their related rows) and `now`, and
returns plain values for the templates. Times always carry their zone.

One module per part of the page: `times` (times, durations, calendars), `promise` (the customer's
promise), `queue` (a queue row), `sla_panel` (the ticket's clocks and why), `timeline` (events and
pages), `incident` (an incident's timeline and customers).
"""

from .incident import (
    INTERNAL,
    customers_words,
    describe_incident_entry,
    usernames_in,
)
from .promise import (
    Promise,
    customer_promise,
)
from .queue import (
    QueueRow,
    queue_row,
    warning_instant,
)
from .sla_panel import (
    ClockPanel,
    LedgerLine,
    Pause,
    clock_panels,
    ledger_lines,
    pauses_in_cycle,
)
from .timeline import (
    assignee_label,
    describe_event,
    page_label,
    person,
)
from .times import (
    SEVERITY_PARTS,
    SEVERITY_PLAIN,
    calendar_words,
    clock_calendar,
    clock_of,
    clock_span_words,
    compact_duration,
    countdown_text,
    local_clock_words,
    local_stamp,
    local_when,
    local_words,
    zone_name,
)

__all__ = [
    "INTERNAL",
    "SEVERITY_PARTS",
    "SEVERITY_PLAIN",
    "ClockPanel",
    "LedgerLine",
    "Pause",
    "Promise",
    "QueueRow",
    "assignee_label",
    "calendar_words",
    "clock_calendar",
    "clock_of",
    "clock_panels",
    "clock_span_words",
    "compact_duration",
    "countdown_text",
    "customer_promise",
    "customers_words",
    "describe_event",
    "describe_incident_entry",
    "ledger_lines",
    "local_clock_words",
    "local_stamp",
    "local_when",
    "local_words",
    "page_label",
    "pauses_in_cycle",
    "person",
    "queue_row",
    "usernames_in",
    "warning_instant",
    "zone_name",
]
