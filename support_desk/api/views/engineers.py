"""Engineers (engineers read, managers write) and who is on shift at an instant."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from escalation.models import Engineer
from escalation.roster.selectors import engineer_get, engineer_list, engineer_list_on_shift
from escalation.roster.services.coverage import engineer_update_checked
from escalation.roster.services.engineers import engineer_change_check, engineer_create

from .. import examples as ex
from ..filters import EngineerListQuery, OnShiftQuery
from ..permissions import EngineersReadManagersWrite, IsEngineer
from ..schema import COVERAGE_GAP, READ, WRITE, errors
from ..serializers.engineers import (
    EngineerCreateSerializer,
    EngineerSerializer,
    EngineerUpdateSerializer,
    OnShiftListSerializer,
)
from .base import ApiView, ListApiView

USERNAME = OpenApiParameter("username", str, OpenApiParameter.PATH, description="The engineer's login name.")


def _engineer_or_404(username: str) -> Engineer:
    engineer = engineer_get(username=username)
    if engineer is None:
        raise NotFound(f"No engineer {username}.")
    return engineer


def _shown(engineer: Engineer, now=None) -> dict:
    return EngineerSerializer(engineer, context={"now": now or timezone.now()}).data


class EngineerCollectionView(ListApiView):
    permission_classes = [EngineersReadManagersWrite]

    @extend_schema(
        summary="Engineers",
        description="By username. Engineers and managers.",
        parameters=[EngineerListQuery],
        responses={200: EngineerSerializer(many=True), **errors(*READ, 404)},
        examples=[ex.example("A page of engineers", ex.ENGINEER, status=200)],
    )
    def get(self, request):
        query = self.query(EngineerListQuery)
        return self.paginated(engineer_list(**query.validated_data), EngineerSerializer, now=timezone.now())

    @extend_schema(
        summary="Add an engineer",
        description="Creates the staff login too. Without a `password` the login cannot sign in until a "
        "manager sets one. Shift times are local to `timezone`. Managers only.",
        request=EngineerCreateSerializer,
        responses={201: EngineerSerializer, **errors(*WRITE)},
        examples=[
            ex.example(
                "A Tokyo shift lead",
                {
                    **{k: v for k, v in ex.ENGINEER.items() if k not in ex.ENGINEER_READ_ONLY},
                    "password": "a-long-passphrase-2026",
                },
                request=True,
            ),
            ex.example("The engineer", ex.ENGINEER, status=201),
        ],
    )
    def post(self, request):
        data = self.body(EngineerCreateSerializer)
        engineer = engineer_create(**data)
        return Response(_shown(engineer), status=status.HTTP_201_CREATED)


class EngineerDetailView(ApiView):
    permission_classes = [EngineersReadManagersWrite]

    @extend_schema(
        summary="One engineer",
        parameters=[USERNAME],
        responses={200: EngineerSerializer, **errors(*READ, 404)},
        examples=[ex.example("An engineer", ex.ENGINEER, status=200)],
    )
    def get(self, request, username: str):
        return Response(_shown(_engineer_or_404(username)))

    @extend_schema(
        summary="Change an engineer",
        description="Only what is given changes; the username stays. A change of shift, workdays, timezone, "
        "on call or active that would leave nobody on shift and nobody on call to page for a 24x7 "
        "ticket at some time in the coming week (where nobody was missing before) is refused with 409 and "
        "those times, in the manager's zone, under `coverage_gaps`; the same request with "
        '`"confirm_coverage_gap": true` saves it anyway. Managers only.',
        parameters=[USERNAME],
        request=EngineerUpdateSerializer,
        responses={200: EngineerSerializer, **errors(*WRITE, 404), 409: COVERAGE_GAP},
        examples=[
            ex.example(
                "Night shift", {"shift_start": "22:00", "shift_end": "06:00", "on_call": True}, request=True
            ),
            ex.example(
                "Out of the rotation, knowing it leaves a gap",
                {"active": False, "confirm_coverage_gap": True},
                request=True,
            ),
            ex.example("The engineer", ex.ENGINEER, status=200),
        ],
    )
    def patch(self, request, username: str):
        changes = self.body(EngineerUpdateSerializer, partial=True)
        now = timezone.now()
        engineer = _engineer_or_404(username)
        engineer_change_check(engineer=engineer, by=request.user, changes=changes)
        engineer = engineer_update_checked(engineer=engineer, now=now, **changes)
        return Response(_shown(engineer, now))


class OnShiftView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="Who is on shift",
        description="Active engineers on shift at `at` (default now), each evaluated in their own timezone, "
        "with their local time and when their shift ends; the soonest end first.",
        parameters=[OnShiftQuery],
        responses={200: OnShiftListSerializer, **errors(*READ)},
        examples=[
            ex.example(
                "Tokyo is on shift",
                {
                    "at": "2025-06-11T01:00:00Z",
                    "count": 1,
                    "results": [
                        {
                            "username": "aiko",
                            "name": "Aiko Tanaka",
                            "timezone": "Asia/Tokyo",
                            "region": "apac",
                            "lead": True,
                            "on_call": False,
                            "local_time": "2025-06-11T10:00:00+09:00",
                            "shift_started_at": "2025-06-11T09:00:00+09:00",
                            "shift_ends_at": "2025-06-11T18:00:00+09:00",
                        }
                    ],
                },
                status=200,
            )
        ],
    )
    def get(self, request):
        query = self.query(OnShiftQuery)
        at = query.validated_data.get("at") or timezone.now()
        on_shift = engineer_list_on_shift(at=at)
        return Response(OnShiftListSerializer({"at": at, "count": len(on_shift), "results": on_shift}).data)
