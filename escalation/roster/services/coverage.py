"""Roster changes that would leave 24x7 promises with nobody to answer them: found before saving.

A change to an engineer (shift, workdays, timezone, on call, active) opens a gap when, in the
coming `COVERAGE_HORIZON`, there is time when nobody would be on shift and nobody could be paged that
there was not before. The caller then asks the manager to confirm; a confirmed change is saved.
"""

import copy
from datetime import datetime, timedelta

from django.db import transaction

from escalation.roster import coverage
from escalation.roster.models import Engineer
from escalation.roster.selectors import coverage_member, coverage_roster_list
from escalation.roster.services.engineers import engineer_update

COVERAGE_HORIZON = timedelta(days=7)
# The Engineer fields that decide whether and when someone is on shift or can be paged.
COVERAGE_FIELDS = ("timezone", "shift_start", "shift_end", "workdays", "on_call", "active")


class CoverageGapOpened(Exception):
    """Saving would open gaps in 24x7 coverage; `gaps` are the new gap intervals (UTC)."""

    def __init__(self, gaps: list[coverage.Interval]) -> None:
        super().__init__(f"the change leaves nobody on shift or on call for {len(gaps)} stretch(es) of time")
        self.gaps = gaps


def _counts(engineer: Engineer) -> bool:
    return engineer.active and engineer.user.is_active


def coverage_gaps_opened(*, engineer: Engineer, changes: dict, now: datetime, lock: bool = False) -> list:
    """The gap time (UTC intervals within the next week) that `changes` to `engineer` would open.

    `changes` may hold any fields; only those in `COVERAGE_FIELDS` matter. `lock` holds the roster's
    rows until the caller's transaction ends, so two managers cannot each open half of a gap.
    """
    roster = [e for e in coverage_roster_list(lock=lock) if e.pk != engineer.pk]
    proposed = copy.copy(engineer)
    for name in COVERAGE_FIELDS:
        if name in changes:
            setattr(proposed, name, changes[name])
    before = [coverage_member(e) for e in roster] + ([coverage_member(engineer)] if _counts(engineer) else [])
    after = [coverage_member(e) for e in roster] + ([coverage_member(proposed)] if _counts(proposed) else [])
    return coverage.gaps_opened(before, after, now, now + COVERAGE_HORIZON)


@transaction.atomic
def engineer_update_checked(
    *, engineer: Engineer, now: datetime, confirm_coverage_gap: bool = False, **changes
) -> Engineer:
    """`engineer_update`, refused with CoverageGapOpened when the change opens a coverage gap and the
    manager has not confirmed it."""
    if not confirm_coverage_gap:
        gaps = coverage_gaps_opened(engineer=engineer, changes=changes, now=now, lock=True)
        if gaps:
            raise CoverageGapOpened(gaps)
    return engineer_update(engineer=engineer, **changes)
