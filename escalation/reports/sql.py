"""The percentile aggregate the reports use, on PostgreSQL and (for a laptop's demo) on SQLite.

PostgreSQL computes `percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)` itself. SQLite has
no ordered-set aggregates, so there the same interpolation runs as an application-defined aggregate
function registered on the connection: still one GROUP BY query, never a loop over rows in a view.
"""

import math
from collections.abc import Sequence
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Aggregate

SQLITE_FUNCTION = "sd_percentile_cont"


def percentile_cont(values: Sequence, fraction: float):
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest sorted values.

    Works on numbers and on timedeltas; None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class _SqlitePercentileCont:
    """`sd_percentile_cont(value, fraction)` for SQLite: NULLs are skipped, like PostgreSQL does."""

    def __init__(self) -> None:
        self.values: list = []
        self.fraction = 0.5

    def step(self, value, fraction) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return percentile_cont(self.values, self.fraction)


def sqlite_functions_register(connection) -> None:
    """Make `sd_percentile_cont` available on a Django SQLite connection (idempotent, cheap)."""
    connection.ensure_connection()
    connection.connection.create_aggregate(SQLITE_FUNCTION, 2, _SqlitePercentileCont)


class Percentile(Aggregate):
    """The continuous percentile `fraction` (0..1) of `expression`; NULLs ignored; None for no rows."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction is between 0 and 1")
        # Inlined as a literal: a float's repr is a plain SQL number.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        sqlite_functions_register(connection)
        # On a copy, not through extra_context: Aggregate.as_sql passes its own `template` when filtering.
        sqlite = self.copy()
        sqlite.function = SQLITE_FUNCTION
        sqlite.template = "%(function)s(%(expressions)s, %(fraction)s)"
        return sqlite.as_sql(compiler, connection, **extra_context)


# One statement, so that it also runs as a prepared statement (two commands in one execute cannot).
REPORT_SETTINGS_SQL = (
    "SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)"
)


@contextmanager
def without_jit():
    """The report's transaction, planned for reports. Two settings, for this transaction only:

    - `jit = off`: PostgreSQL's JIT compiles each report query for about 0.2 s (their cost estimates
      pass `jit_above_cost`) to save less than that;
    - `plan_cache_mode = force_custom_plan`: with prepared statements on (`DB_PREPARED_STATEMENTS`),
      PostgreSQL would switch a query run five times to a generic plan, blind to the period's dates;
      for the grouped report at 1,000,000 ledger rows that took the median from 417 to 540 ms.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(REPORT_SETTINGS_SQL)
        yield
