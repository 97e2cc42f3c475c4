"""Request body parsing with an explicit size limit and a nesting limit.

DRF's JSON parser reads the request stream directly, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (which
guards `request.body`) never applies to it. This one refuses a body over that limit before parsing,
and a body nested deeper than JSON_MAX_DEPTH (the decoder would otherwise raise RecursionError, a 500,
at about a thousand levels, and anything that walks a deep value after it risks the same).
"""

import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import APIException, ParseError

# Arrays and objects inside one another; no body this API reads needs more than three or four.
JSON_MAX_DEPTH = 64


class PayloadTooLarge(APIException):
    status_code = 413
    default_code = "payload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than the {limit:,} bytes this API accepts.")


def body_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class JSONParser(parsers.JSONParser):
    """JSON, at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes: 413 before anything larger is read or parsed."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = body_limit()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(limit)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(limit)
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise TooDeep() from None
        if json_depth_exceeds(data, JSON_MAX_DEPTH):
            raise TooDeep()
        return data


class TooDeep(ParseError):
    def __init__(self) -> None:
        super().__init__(f"JSON parse error - nested deeper than {JSON_MAX_DEPTH} levels (arrays, objects).")


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether `value` (parsed JSON) nests arrays and objects more than `limit` deep. Iterative: no
    recursion, however deep the value; stops at the first container past the limit."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
