"""The registry of personal data: which column of which table holds what, and how erasure reaches it.

Each installed app declares its own columns in a `personal_data` module of plain dictionaries
(`tickets/personal_data.py`, `escalation/personal_data.py`; this app's own module speaks for Django's and
third-party apps). Nothing imports those modules but this one (by name, at first use), so the apps below
this one in the layers need not know it. The erasure reads `address` and `mentions` columns from here:
a new table registered with either is reached with no new code. `tests/privacy/test_registry.py` fails
for a text, JSON or file column registered nowhere.
"""

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.apps import apps
from django.db import models

REACHES = frozenset({"identity", "authored", "address", "mentions", "file", "derived"})


@dataclass(frozen=True)
class PersonalColumn:
    model: type[models.Model]
    field: str
    reach: str
    about: str
    ticket: str | None  # the lookup from a row to its ticket ("" for the ticket itself), or None

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    @property
    def is_json(self) -> bool:
        return isinstance(self.model._meta.get_field(self.field), models.JSONField)


@dataclass(frozen=True)
class Registry:
    personal: tuple[PersonalColumn, ...]
    not_personal: dict[str, str]  # "app.Model.field" -> why

    def reach(self, reach: str) -> tuple[PersonalColumn, ...]:
        return tuple(c for c in self.personal if c.reach == reach)

    def declared(self) -> set[str]:
        return {c.label for c in self.personal} | set(self.not_personal)


def _declarations():
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.personal_data")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.personal_data":
                raise
            continue
        yield module


@cache
def registry() -> Registry:
    personal, not_personal = [], {}
    for module in _declarations():
        for label, fields in getattr(module, "PERSONAL_DATA", {}).items():
            model = apps.get_model(label)
            for name, spec in fields.items():
                model._meta.get_field(name)  # a misspelt column fails at once
                if spec["reach"] not in REACHES:
                    raise ValueError(f"{label}.{name}: unknown reach {spec['reach']!r}")
                personal.append(PersonalColumn(model, name, spec["reach"], spec["about"], spec.get("ticket")))
        for label, fields in getattr(module, "NOT_PERSONAL", {}).items():
            model = apps.get_model(label)
            for name, why in fields.items():
                model._meta.get_field(name)
                not_personal[f"{label}.{name}"] = why
    return Registry(tuple(personal), not_personal)


def text_columns() -> set[str]:
    """Every text, JSON or file column of every installed model that registry must classify (choice
    fields hold one of a fixed set of words, never a person)."""
    from django.contrib.postgres.search import SearchVectorField

    kinds = (models.CharField, models.TextField, models.JSONField, models.FileField, SearchVectorField,
             models.GenericIPAddressField)  # fmt: skip
    found = set()
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, kinds) and not field.choices:
                found.add(f"{model._meta.label}.{field.name}")
    return found
