"""Input read as the schema states it, for every endpoint that parses through `ApiView`.

DRF is lenient where the OpenAPI schema is not: a `CharField` takes `0` and makes it `"0"`, a
`BooleanField` takes `0`, `"yes"` and `"on"`, an `IntegerField` takes `"5"`, an empty query parameter
reads as absent and a repeated one as its last value. A client that follows the schema never sends
these; a client that sends them has a bug that should surface as a 400 naming the field, not as a
silent guess. These checks run before the serializer's own validation, so they apply to endpoints
added later without any code of theirs.
"""

from collections.abc import Mapping

from rest_framework import serializers

NOT_A_STRING = "Must be a string."
NOT_A_BOOLEAN = "Must be true or false."
NOT_AN_INTEGER = "Must be a whole number."
EMPTY_PARAMETER = "Give a value, or leave the parameter out."
REPEATED_PARAMETER = "Give this parameter once."

_MULTIPLE = (serializers.MultipleChoiceField, serializers.ListField, serializers.ListSerializer)


def query_shape_errors(serializer: serializers.Serializer, params) -> dict[str, list[str]]:
    """`{parameter: [message]}` for each declared parameter sent empty, or repeated when it takes one."""
    errors: dict[str, list[str]] = {}
    for name, field in serializer.fields.items():
        values = params.getlist(name)
        if not values:
            continue
        if any(not str(value).strip() for value in values):
            errors[name] = [EMPTY_PARAMETER]
        elif len(values) > 1 and not isinstance(field, _MULTIPLE):
            errors[name] = [REPEATED_PARAMETER]
    return errors


def json_type_errors(serializer: serializers.Serializer, data) -> dict:
    """`{field: [message]}` (nested for nested serializers) for JSON values of the wrong type."""
    if not isinstance(data, Mapping):
        return {}
    errors: dict = {}
    for name, field in serializer.fields.items():
        if field.read_only or field.source == "*" or name not in data:
            continue
        message = _type_error(field, data[name])
        if message:
            errors[name] = message
    return errors


def _type_error(field: serializers.Field, value):
    if value is None:
        return None  # `allow_null` is the field's own business
    if isinstance(field, serializers.Serializer):
        return json_type_errors(field, value) or None
    if isinstance(field, serializers.ListSerializer) and isinstance(value, list):
        nested = [json_type_errors(field.child, item) for item in value]
        return nested if any(nested) else None
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        nested = {index: _type_error(field.child, item) for index, item in enumerate(value)}
        nested = {index: message for index, message in nested.items() if message}
        return nested or None
    if isinstance(field, serializers.MultipleChoiceField):
        return None
    if isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
        return [NOT_A_BOOLEAN]
    if isinstance(field, serializers.IntegerField) and (
        isinstance(value, bool) or not isinstance(value, int)
    ):
        return [NOT_AN_INTEGER]
    if isinstance(field, serializers.CharField | serializers.ChoiceField) and not isinstance(value, str):
        if isinstance(field, serializers.ChoiceField) and not all(
            isinstance(key, str) for key in field.choices
        ):
            return None  # integer choices (workdays) take numbers
        return [NOT_A_STRING]
    return None
