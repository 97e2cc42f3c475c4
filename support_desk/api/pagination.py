from functools import partial

from rest_framework.pagination import PageNumberPagination

from support_desk.paging import CountedPaginator


class Pagination(PageNumberPagination):
    """`?page=` (from 1), `?page_size=` (default 50, at most 200); `count`, `next`, `previous`, `results`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None, count: int | None = None):
        """One page of `queryset`; with `count`, that is its length and the rows are not counted."""
        if count is not None:
            self.django_paginator_class = partial(CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view=view)
