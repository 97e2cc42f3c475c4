from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=` (from 1), `?page_size=` (default 50, at most 200); `count`, `next`, `previous`, `results`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
