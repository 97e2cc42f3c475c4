"""One exception handler for the API: domain errors become 4xx JSON, never a 500.

Bodies follow DRF's conventions: `{"field": ["message", ...]}` for input a field can be blamed for
(`non_field_errors` otherwise), `{"detail": "message"}` for everything else.
"""

import logging
from zoneinfo import ZoneInfo

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from escalation.paging.services.acknowledgements import NothingToAcknowledge
from escalation.roster.coverage import describe_gaps, describe_interval
from escalation.roster.selectors import manager_zone_get
from escalation.roster.services.coverage import CoverageGapOpened
from escalation.sla.selectors import DeadlineUnavailable
from tickets.assignment import AssigneeOffShift
from tickets.services import RatingRefused
from tickets.states import InvalidTransition

from .parsers import PayloadTooLarge, body_limit

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def coverage_gap_response(refused: CoverageGapOpened, zone) -> Response:
    """409 for a roster change that opens a gap in 24x7 coverage, naming each gap in the manager's zone."""
    return Response(
        {
            "detail": "This change leaves nobody on shift and nobody on call to page for a 24x7 ticket "
            f"during: {describe_gaps(refused.gaps, zone)}. "
            'Send "confirm_coverage_gap": true to save it anyway.',
            "coverage_gaps": [
                {
                    "start": serializers.DateTimeField().to_representation(gap.start),
                    "end": serializers.DateTimeField().to_representation(gap.end),
                    "minutes": round(gap.duration.total_seconds() / 60, 1),
                    "text": describe_interval(gap, zone),
                }
                for gap in refused.gaps
            ],
        },
        status=status.HTTP_409_CONFLICT,
    )


def _local(instant, zone) -> str | None:
    return instant.astimezone(zone).isoformat() if instant is not None else None


def off_shift_response(refused: AssigneeOffShift) -> Response:
    """409 for an assignment to an engineer off shift, saying when their next shift starts (their zone)."""
    shift = refused.shift
    return Response(
        {
            "detail": f"{refused} "
            'Send "confirm_off_shift": true to assign anyway; the ticket then stays with them until their '
            "next shift ends.",
            "assignee": shift.username,
            "on_shift": shift.on_shift,
            "timezone": shift.zone.key,
            "next_shift_starts_at": _local(shift.next_shift_starts_at, shift.zone),
            "next_shift_ends_at": _local(shift.next_shift_ends_at, shift.zone),
        },
        status=status.HTTP_409_CONFLICT,
    )


def exception_handler(exc, context):
    if isinstance(exc, AssigneeOffShift):
        return off_shift_response(exc)
    if isinstance(exc, CoverageGapOpened):
        request = context.get("request")
        zone = manager_zone_get(request.user) if request is not None else ZoneInfo("UTC")
        return coverage_gap_response(exc, zone)
    return drf_exception_handler(_as_api_exception(exc), context)


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, InvalidTransition):
        return exceptions.ValidationError({"status": [exc.reason]})
    if isinstance(exc, NothingToAcknowledge | DeadlineUnavailable | RatingRefused):
        return Conflict(str(exc))
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(body_limit())
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request could not be read.")
    # The safety net: input that reached the database although validation should have stopped it.
    # Logged as an error with its traceback, because each one is a validation gap to close.
    if isinstance(exc, IntegrityError):
        logger.error("API request conflicted with a database constraint", exc_info=exc)
        return Conflict("That conflicts with data saved meanwhile; reload and try again.")
    if isinstance(exc, DataError):
        logger.error("API request carried a value the database refused", exc_info=exc)
        return exceptions.ValidationError({"non_field_errors": ["A value is out of range or unreadable."]})
    return exc
