"""Settings for the benchmarks: the product's settings plus the bare comparison endpoint."""

from support_desk.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare.apps.BareConfig"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
