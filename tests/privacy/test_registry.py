"""Every text, JSON or file column is declared as personal data (with how erasure reaches it) or not
(with why): a new table fails here until its app's `personal_data.py` says what it holds."""

from privacy.registry import REACHES, registry, text_columns
from tests.privacy import scenario


def test_every_text_column_of_every_model_is_declared_once():
    reg = registry()
    personal = [c.label for c in reg.personal]
    assert len(personal) == len(set(personal)), "a column declared twice"
    assert not set(personal) & set(reg.not_personal), "a column declared both ways"
    missing = sorted(text_columns() - reg.declared())
    assert missing == [], f"declare these in their app's personal_data.py: {missing}"
    assert {c.reach for c in reg.personal} <= REACHES


def test_every_ticket_path_leads_to_a_ticket(db):
    from tickets.models import Ticket

    for column in registry().personal:
        if column.ticket:  # a lookup from the row to its ticket
            column.model._default_manager.filter(**{f"{column.ticket}__in": Ticket.objects.none()}).exists()


def test_the_database_search_sees_every_table_the_models_make(db):
    from django.apps import apps

    tables = {table for table, _ in scenario.text_columns()}
    for model in apps.get_models():
        labels = {f"{model._meta.label}.{f.name}" for f in model._meta.concrete_fields}
        if labels & text_columns():
            assert model._meta.db_table in tables, model._meta.label
