"""The API's settings hold only what a view reads: every view pages and filters explicitly."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView


def api_view_classes(patterns=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from api_view_classes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None)
            if view_class is not None and issubclass(view_class, APIView):
                yield view_class


def test_no_api_view_reads_drfs_default_filter_backends_or_pagination():
    """Only a `GenericAPIView` reads `DEFAULT_FILTER_BACKENDS` and `DEFAULT_PAGINATION_CLASS`; ours are
    `ApiView`s that parse their filters with `support_desk.api.filters` and page with
    `support_desk.api.pagination`, so those settings (and django-filter) would do nothing."""
    views = set(api_view_classes())
    assert len(views) > 10  # the walk found the API
    assert {view.__name__ for view in views if issubclass(view, GenericAPIView)} == set()
    unused = {"DEFAULT_FILTER_BACKENDS", "DEFAULT_PAGINATION_CLASS", "PAGE_SIZE"}
    assert unused & settings.REST_FRAMEWORK.keys() == set()
    assert "django_filters" not in settings.INSTALLED_APPS
