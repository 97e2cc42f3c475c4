"""Editing the SLA targets: promises for tickets filed from now on."""

from datetime import timedelta

from django.db import transaction

from escalation.sla.models import BusinessCalendar, SlaTarget


@transaction.atomic
def sla_target_update(
    *,
    target: SlaTarget,
    first_response: timedelta | None = None,
    resolution: timedelta | None = None,
    calendar: BusinessCalendar | None = None,
) -> SlaTarget:
    """Change what is given. Tickets already filed keep the copy of the target in their clock, and the
    ledger keeps what it recorded: an edit only changes the promises made to tickets filed afterwards.

    Raises ValidationError when a duration is not positive.
    """
    target = SlaTarget.objects.select_for_update().select_related("calendar").get(pk=target.pk)
    if first_response is not None:
        target.first_response = first_response
    if resolution is not None:
        target.resolution = resolution
    if calendar is not None:
        target.calendar = calendar
    target.full_clean()
    target.save()
    return target
