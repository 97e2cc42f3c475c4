import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache


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
INSTALL_LOCK = Path(tempfile.gettempdir()) / "support-desk-chromium-install.lock"
INSTALL_TIMEOUT_SECONDS = 900


def _apt(*args: str) -> subprocess.CompletedProcess:
    command = ["apt-get", *args]
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            pytest.fail(
                f"{CHROMIUM} is missing and this user cannot install it: run "
                f"`apt-get install -y chromium` as root (or give this user sudo).",
                pytrace=False,
            )
        command = ["sudo", "-n", *command]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_SECONDS,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt when missing (CI machines start without it).

    A file lock keeps parallel test processes from running apt at once. Never `playwright install`:
    the product's tests use the distribution's browser, offline.
    """
    if CHROMIUM.exists():
        return CHROMIUM
    if not shutil.which("apt-get"):
        pytest.fail(f"{CHROMIUM} is missing and there is no apt-get to install it with.", pytrace=False)
    with INSTALL_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CHROMIUM.exists():
            for args in (("update",), ("install", "-y", "--no-install-recommends", *CHROMIUM_PACKAGES)):
                result = _apt(*args)
                if result.returncode != 0:
                    pytest.fail(
                        f"Installing Chromium failed at `apt-get {' '.join(args)}` "
                        f"(exit {result.returncode}):\n{result.stderr[-3000:]}",
                        pytrace=False,
                    )
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get reported success but {CHROMIUM} is still missing.", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session, driven by Playwright's sync API.

    That API keeps an asyncio loop open in this thread, which makes Django refuse the test's own
    (synchronous) ORM calls; nothing runs concurrently (the loop waits while the test runs), so the
    check is switched off for as long as the loop exists.
    """
    executable = ensure_chromium()
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
