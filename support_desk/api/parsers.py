"""Request body parsing with an explicit size limit.

DRF's JSON parser reads the request stream directly, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (which
guards `request.body`) never applies to it. This one refuses a body over that limit before parsing.
"""

import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import APIException


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
        return super().parse(io.BytesIO(body), media_type, parser_context)
