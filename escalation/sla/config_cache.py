"""A per-process cache of what filing reads on every ticket and managers seldom change: the SLA targets
(with their calendars and holidays) and the escalation policies (with their steps). Issue 13.

Invalidation is by the database, so that every write path is covered: the services, the Django admin,
a plain ORM save or delete, a queryset update or bulk create, raw SQL, a migration, a TRUNCATE.
Migration `0009_config_version_triggers` puts a statement-level trigger on each table read here
(`escalation_slatarget`, `escalation_businesscalendar`, `escalation_holiday`,
`escalation_escalationpolicy`, `escalation_policystep`) that sets the one row of
`escalation_config_version` to the next value of a sequence, in the editing transaction.

Every `cached()` call reads that row first (one primary-key read) and serves only entries loaded at
the version it reads; any other version empties the cache. So:

- an edit is seen by the very next read once committed, in any process, and at once inside the
  editing transaction itself (it sees its own row);
- the version is transactional like the edit it marks: no one sees it before the edit's data, and a
  rolled-back edit takes its version back with it. Versions come from a sequence, which never hands
  out a number twice, so an entry loaded inside a transaction that then rolled back is keyed by a
  version no one will read again;
- the version is read before the data, so an entry may hold data newer than its key, never older.

Without the row (a flushed database) nothing is cached. Concurrent edits of the configuration queue
on the version row until the first commits.

Entries are shared by the process's threads and requests: treat them as read-only.
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection

VERSION_TABLE = "escalation_config_version"
_VERSION_SQL = f"SELECT version FROM {VERSION_TABLE} WHERE id = 1"  # noqa: S608 (a constant)

_MISSING = object()
_UNREAD = object()
# Inside `one_version()`: the version read by its first `cached()` call (until then _UNREAD).
_pinned: ContextVar[Any] = ContextVar("config_version_pinned", default=None)
# (version, entries): swapped whole, so a thread holding an older pair only ever fills that one.
_state: tuple[int | None, dict[Hashable, Any]] = (None, {})


def config_version() -> int | None:
    """The configuration's current version, as the current transaction sees it (None: no version row,
    or a database without the triggers that keep it: SQLite, where nothing is cached)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def one_version() -> Iterator[None]:
    """Within the block, `cached()` reads the version once and serves every key at that version: for a
    caller that reads several entries and writes no configuration (filing reads its SLA target and its
    escalation policy with one read of the version, not two)."""
    token = _pinned.set(_UNREAD)
    try:
        yield
    finally:
        _pinned.reset(token)


def cached(key: Hashable, load: Callable[[], Any]) -> Any:
    """`load()`'s value for `key`, loaded at most once per configuration version and process."""
    global _state
    pinned = _pinned.get()
    if pinned is None or pinned is _UNREAD:
        version = config_version()
        if pinned is _UNREAD:
            _pinned.set(version)
    else:
        version = pinned
    if version is None:
        return load()
    state = _state
    if state[0] != version:
        state = (version, {})
        _state = state
    value = state[1].get(key, _MISSING)
    if value is _MISSING:
        value = load()
        state[1][key] = value
    return value
