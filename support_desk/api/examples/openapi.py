"""One example as drf-spectacular takes it: a request body or a response (of one status)."""

from drf_spectacular.utils import OpenApiExample


def example(name: str, value, *, request: bool = False, status: int | None = None) -> OpenApiExample:
    return OpenApiExample(
        name,
        value=value,
        request_only=request,
        response_only=not request,
        status_codes=[str(status)] if status else None,
    )
