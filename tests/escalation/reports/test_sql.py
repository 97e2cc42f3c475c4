"""The percentile aggregate: PostgreSQL's percentile_cont, and the same maths on SQLite (a laptop's demo)."""

from datetime import timedelta

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from escalation.models import Escalation, LedgerEntry
from escalation.reports.selectors import filters, sla_report
from escalation.reports.sql import percentile_cont
from tests.escalation.reports.test_selectors import june

pytestmark = pytest.mark.clock

SQLITE = "reports_sqlite"


@pytest.mark.parametrize(
    ("minutes", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7], 0.9, 7),
        ([10, 40, 50], 0.5, 40),
        ([10, 40, 50], 0.9, 48),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([4, 1, 3, 2], 0.0, 1),
        ([4, 1, 3, 2], 1.0, 4),
    ],
)
def test_percentile_cont_interpolates_like_postgresql(minutes, fraction, expected):
    values = [timedelta(minutes=m) for m in minutes]
    assert percentile_cont(values, fraction) == (None if expected is None else timedelta(minutes=expected))


@pytest.mark.django_db
@pytest.mark.parametrize("values", [[1], [3, 1, 2], [10, 40, 50, 50, 7, 1000], list(range(97))])
@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.9, 1.0])
def test_percentile_cont_agrees_with_postgresql(values, fraction):
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v) FROM unnest(%s::float8[]) AS v",
            [fraction, values],
        )
        assert percentile_cont(values, fraction) == pytest.approx(cursor.fetchone()[0])


@pytest.fixture
def sqlite_ledger(history):
    """The history's ledger copied into an in-memory SQLite database, read through Django's SQLite backend."""
    configured = connections.configure_settings(
        {
            "default": connections.settings["default"],
            SQLITE: {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        }
    )
    # Registered as a connection but not as a configured database: Django's test case allows it.
    lite = DatabaseWrapper(configured[SQLITE], alias=SQLITE)
    connections[SQLITE] = lite
    try:
        with lite.schema_editor() as editor:
            editor.create_model(LedgerEntry)
            editor.create_model(Escalation)
        with lite.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")  # tickets and users live in PostgreSQL only
        LedgerEntry.objects.using(SQLITE).bulk_create(list(LedgerEntry.objects.order_by("seq")))
        Escalation.objects.using(SQLITE).bulk_create(list(Escalation.objects.all()))
        yield SQLITE
    finally:
        lite.close()
        del connections[SQLITE]


def _rounded(row: dict) -> dict:
    return {
        key: timedelta(seconds=round(value.total_seconds())) if isinstance(value, timedelta) else value
        for key, value in row.items()
    }


@pytest.mark.django_db
def test_the_report_aggregates_the_same_on_sqlite(sqlite_ledger):
    """Counts, FILTER clauses, sums, wall-clock differences, the escalation subqueries and percentiles:
    the SQLite form of each aggregate gives PostgreSQL's numbers."""
    cycles = filters.decided_cycles(june())
    aggregates = sla_report._report_aggregates()
    in_postgresql = list(cycles.values("severity").annotate(**aggregates).order_by("severity"))
    in_sqlite = list(
        cycles.using(sqlite_ledger).values("severity").annotate(**aggregates).order_by("severity")
    )
    assert [_rounded(row) for row in in_sqlite] == [_rounded(row) for row in in_postgresql]
    assert in_sqlite[1]["first_response_business_p90"] == timedelta(minutes=37)  # not vacuous
    assert (in_sqlite[1]["n_pages"], in_sqlite[1]["ack_p50"]) == (3, timedelta(minutes=6.5))
    query = cycles.values("severity").annotate(**aggregates).query
    sql, _ = query.get_compiler(using=sqlite_ledger).as_sql()
    assert 'sd_percentile_cont("escalation_ledgerentry"."elapsed", 0.9) FILTER (WHERE' in sql


@pytest.mark.django_db(transaction=True)  # no test transaction around it: SET LOCAL ends with the report's
def test_the_report_transaction_turns_jit_off_and_plans_each_query_for_its_own_dates():
    from django.db import connection

    from escalation.reports.sql import without_jit

    def setting(name: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {name}")
            return cursor.fetchone()[0]

    with without_jit():
        assert (setting("jit"), setting("plan_cache_mode")) == ("off", "force_custom_plan")
    assert setting("plan_cache_mode") == "auto"  # for the report's transaction only
