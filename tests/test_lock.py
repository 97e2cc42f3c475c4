"""The lock holds: what is installed is what requirements/dev.txt pins (the versions CI tested), the lock
covers every dependency pyproject.toml names, and the pins that matter say why (issue 20)."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def locked(name: str) -> dict[str, str]:
    """{canonical name: version} of the lock's pins whose markers hold on this interpreter."""
    pins = {}
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        match = PIN.match(line)
        if match and (match[3] is None or Marker(match[3]).evaluate()):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_locked_package_is_installed_at_its_locked_version():
    pins = locked("dev.txt")
    assert len(pins) > 50
    wrong = {}
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert wrong == {}, "installed versions differ from requirements/dev.txt: run `make install`"


def test_the_lock_covers_every_dependency_and_respects_its_range():
    dev, base = locked("dev.txt"), locked("base.txt")
    for requirements, pins in ((project()["dependencies"], base), (project()["dependencies"], dev),
                               (project()["optional-dependencies"]["dev"], dev)):  # fmt: skip
        for line in requirements:
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{name} is not in the lock: run `make lock`"
            assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {line!r}"
    assert set(base) <= set(dev)  # the deployment's versions are the tested ones
    assert all(dev[name] == version for name, version in base.items())


def test_kombu_stays_below_the_release_that_crashes_the_worker():
    assert [r for r in project()["dependencies"] if r.startswith("kombu")] == ["kombu>=5.6.2,<5.7"]
    assert locked("dev.txt")["kombu"].startswith("5.6.")
    assert metadata.version("kombu").startswith("5.6.")
