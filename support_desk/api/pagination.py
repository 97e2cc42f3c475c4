from functools import partial

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from support_desk.paging import CountedPaginator

# The largest page number or size read as a number; beyond it a value is malformed (a 400), not a
# page past the end.
PAGE_NUMBER_MAX = 2**31 - 1


class Pagination(PageNumberPagination):
    """`?page=` (from 1), `?page_size=` (default 50, at most 200); `count`, `next`, `previous`, `results`.

    Both are validated like any other parameter: empty, not a whole number, or below 1 is a 400 naming
    it. A `page_size` above 200 is read as 200 (as it always was); a page past the last one is a 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None, count: int | None = None):
        """One page of `queryset`; with `count`, that is its length and the rows are not counted."""
        self._checked(request, self.page_query_param)
        self._checked(request, self.page_size_query_param)
        if count is not None:
            self.django_paginator_class = partial(CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view=view)

    @staticmethod
    def _checked(request, name: str) -> None:
        values = request.query_params.getlist(name)
        if not values:
            return
        field = serializers.IntegerField(min_value=1, max_value=PAGE_NUMBER_MAX)
        try:
            if len(values) > 1:
                raise serializers.ValidationError("Give this parameter once.")
            field.run_validation(values[0])
        except serializers.ValidationError as refused:
            raise serializers.ValidationError({name: refused.detail}) from None

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "The page, from 1. A page past the last one is a 404.",
                "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_NUMBER_MAX},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}); a larger value than "
                f"{self.max_page_size} is read as {self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_NUMBER_MAX},
            },
        ]
