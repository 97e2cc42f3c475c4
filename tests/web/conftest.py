import os
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.factories import make_engineer
from tests.system_packages import ensure_installed


@pytest.fixture(autouse=True)
def _plain_static_storage(settings, tmp_path):
    """Templates name static files; the manifest storage used when DEBUG is off needs collectstatic first.

    Static files are served from the finders (the live server's handler); whitenoise gets an empty root.
    """
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Attachments land in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the (process-wide) cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


# --- the desk's pages, as an engineer ---------------------------------------------------------------


@pytest.fixture
def lena():
    """The engineer the desk pages' tests sign in as (a module needing her otherwise defines its own)."""
    return make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin")


@pytest.fixture
def desk(client, lena):
    """The test client signed in as `lena`."""
    client.force_login(lena.user)
    return client


# --- real Chromium for the browser tests ----------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_PACKAGES = ["chromium", "fonts-liberation", "fonts-dejavu-core"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt when missing (`tests/system_packages.py`). Never
    `playwright install`: the product's tests use the distribution's browser, offline."""
    return ensure_installed(CHROMIUM, CHROMIUM_PACKAGES)


# Fonts for the languages the customer's pages speak (issue 17): DejaVu draws Arabic, but nothing on a
# fresh machine draws Chinese or Japanese (the screenshots would show empty boxes). Small Debian fonts:
# WenQuanYi Micro Hei for Simplified Chinese, IPA Gothic for Japanese.
CJK_FONTS = {
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"): ["fonts-wqy-microhei"],
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"): ["fonts-ipafont-gothic"],
}


def ensure_fonts() -> None:
    for font, packages in CJK_FONTS.items():
        ensure_installed(font, packages)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session, driven by Playwright's sync API.

    That API keeps an asyncio loop open in this thread, which makes Django refuse the test's own
    (synchronous) ORM calls; nothing runs concurrently (the loop waits while the test runs), so the
    check is switched off for as long as the loop exists.
    """
    executable = ensure_chromium()
    ensure_fonts()  # before Chromium starts: it reads the fonts once
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where the browser tests save a screenshot of each page: $SCREENSHOT_DIR, else screenshots/."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
