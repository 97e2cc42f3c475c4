"""Placeholders (pure), and the macro services' rule: managers edit shared ones, owners their own."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import NOW, make_engineer
from tickets.macros import PLACEHOLDERS, render, unknown_placeholders
from tickets.models import Macro
from tickets.services import macro_create, macro_delete, macro_update

VALUES = {name: f"<{name}>" for name in PLACEHOLDERS}


def test_known_placeholders_are_replaced_with_or_without_spaces():
    body = "{{requester_name}} {{ reference }} {{engineer_name }} {{  due_local}}"
    assert render(body, VALUES) == "<requester_name> <reference> <engineer_name> <due_local>"
    assert unknown_placeholders(body) == []


def test_template_syntax_and_lone_braces_are_plain_text():
    body = "{% load static %}{{ settings.SECRET_KEY }} {{requester_name|upper}} { } {{}} }}{{"
    assert unknown_placeholders(body) == ["settings.SECRET_KEY", "requester_name|upper", ""]
    assert render("{% if x %}{ {reference} }", VALUES) == "{% if x %}{ {reference} }"


@given(st.text(alphabet="{} abcdefg_", max_size=40), st.sampled_from(sorted(PLACEHOLDERS)))
def test_a_value_is_never_scanned_again(text, name):
    # Whatever the value holds, it lands as it is: one pass, no recursion.
    values = {**VALUES, name: text}
    assert render(f"[{{{{{name}}}}}]", values) == f"[{text}]"


@pytest.mark.django_db
def test_the_services_enforce_who_edits_what():
    lena, omar = make_engineer("lena").user, make_engineer("omar").user
    with pytest.raises(PermissionDenied):
        macro_create(actor=lena, manager=False, name="s", body="x", shared=True, now=NOW)
    shared = macro_create(actor=omar, manager=True, name="s", body="x", shared=True, now=NOW)
    mine = macro_create(actor=lena, manager=False, name="m", body="x", shared=False, now=NOW)
    with pytest.raises(PermissionDenied):
        macro_update(macro=shared, actor=lena, manager=False, body="y", now=NOW)
    with pytest.raises(PermissionDenied):
        macro_update(macro=mine, actor=omar, manager=True, body="y", now=NOW)  # a manager, not its owner
    with pytest.raises(PermissionDenied):
        macro_update(macro=mine, actor=lena, manager=False, shared=True, now=NOW)
    with pytest.raises(PermissionDenied):
        macro_delete(macro=mine, actor=omar, manager=True)
    unshared = macro_update(macro=shared, actor=omar, manager=True, shared=False, now=NOW)
    assert unshared.owner_id == omar.pk
    with pytest.raises(ValidationError) as refused:
        macro_update(macro=mine, actor=lena, manager=False, body="{{nope}}", now=NOW)
    assert list(refused.value.message_dict) == ["body"]
    assert Macro.objects.get(pk=mine.pk).body == "x"
