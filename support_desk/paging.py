"""Pagination for lists whose length is known without counting their rows."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A Paginator told how many items `object_list` holds (for instance from the ticket tallies), so
    it never runs `COUNT(*)` over them; pages are still slices of `object_list`."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # shadows Paginator.count, a cached_property
