"""What every API view shares: parsing a body or the query string through a serializer, and paging."""

from rest_framework.response import Response
from rest_framework.views import APIView

from ..pagination import Pagination


class ApiView(APIView):
    """A thin view: parse, check permission (DRF does), call one service or selector, render."""

    def body(self, serializer_class, *, partial: bool = False, **context) -> dict:
        """The request body validated by `serializer_class`, or a 400 naming each field refused.

        `partial`: only the fields given are validated (and returned); defaults do not apply.
        """
        serializer = serializer_class(
            data=self.request.data, partial=partial, context={"request": self.request, **context}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def query(self, serializer_class, **context):
        """The query string validated by `serializer_class` (returned), or a 400 naming each parameter."""
        serializer = serializer_class(
            data=self.request.query_params, context={"request": self.request, **context}
        )
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
