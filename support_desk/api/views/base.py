"""What every API view shares: parsing a body or the query string through a serializer, and paging."""

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..pagination import Pagination
from ..strict import json_type_errors, query_shape_errors


class ApiView(APIView):
    """A thin view: parse, check permission (DRF does), call one service or selector, render."""

    def body(self, serializer_class, *, partial: bool = False, **context) -> dict:
        """The request body validated by `serializer_class`, or a 400 naming each field refused.

        `partial`: only the fields given are validated (and returned); defaults do not apply. A JSON body
        must carry each value as the type the schema states (`"0"` is not a number, `0` not a boolean).
        """
        serializer = serializer_class(
            data=self.request.data, partial=partial, context={"request": self.request, **context}
        )
        refused = {}
        if self.request.content_type.startswith("application/json"):
            refused = json_type_errors(serializer, self.request.data)
        if not serializer.is_valid() or refused:
            # Every field's refusal at once; DRF's own message where DRF refused the value too.
            raise serializers.ValidationError({**refused, **serializer.errors})
        return serializer.validated_data

    def query(self, serializer_class, **context):
        """The query string validated by `serializer_class` (returned), or a 400 naming each parameter.

        A documented parameter given empty (`?to=`) or, unless it takes a list, more than once is refused
        too: DRF would read the first as absent and the second as its last value."""
        serializer = serializer_class(
            data=self.request.query_params, context={"request": self.request, **context}
        )
        refused = query_shape_errors(serializer, self.request.query_params)
        if refused:
            raise serializers.ValidationError(refused)
        serializer.is_valid(raise_exception=True)
        return serializer


class ListApiView(ApiView):
    pagination_class = Pagination

    def paginated(self, queryset, serializer_class, *, count: int | None = None, **context) -> Response:
        """One page of `queryset`: `count`, `next`, `previous`, and `results` by `serializer_class`.

        `count`, when the caller knows it without counting the rows, is the length of `queryset`."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self, count=count)
        results = serializer_class(page, many=True, context={"request": self.request, **context}).data
        return paginator.get_paginated_response(results)
