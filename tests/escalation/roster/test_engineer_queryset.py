"""Who is an engineer at work is defined once (`Engineer.objects.active()` / `.assignable()`)."""

import itertools

import pytest

from escalation.models import Engineer
from support_desk.web.selectors import engineer_list_assignable
from tests.factories import make_engineer

pytestmark = pytest.mark.django_db


def test_active_and_assignable_engineers_over_every_combination_of_flags():
    expected_active, expected_assignable = set(), set()
    for n, (active, login_active, staff) in enumerate(itertools.product([True, False], repeat=3)):
        engineer = make_engineer(f"e{n}", active=active)
        engineer.user.is_active, engineer.user.is_staff = login_active, staff
        engineer.user.save()
        if active and login_active:
            expected_active.add(engineer.pk)
            if staff:
                expected_assignable.add(engineer.pk)

    assert set(Engineer.objects.active().values_list("pk", flat=True)) == expected_active
    assert set(Engineer.objects.assignable().values_list("pk", flat=True)) == expected_assignable
    assert {user.engineer.pk for user in engineer_list_assignable()} == expected_assignable
