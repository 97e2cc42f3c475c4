import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from escalation.models import Region
from escalation.roster.services.api_tokens import api_token_issue
from escalation.roster.services.engineers import manager_ensure
from tests.factories import make_engineer


@pytest.fixture(autouse=True)
def _api_settings(settings):
    """A fast password hasher (logins are created by the dozen) and empty throttle counters."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def client_for(user=None, *, token: str | None = None) -> APIClient:
    """An API client sending `Authorization: Token ...` for `user` (a new token, issued now; or the raw
    `token`); anonymous without."""
    client = APIClient()
    if user is not None:
        token = api_token_issue(user=user, now=timezone.now())[1]
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def engineer(db):
    return make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin", region=Region.EMEA)


@pytest.fixture
def manager(db):
    return manager_ensure(username="maria", name="Maria Santos", email="maria@support.example")


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def as_engineer(engineer) -> APIClient:
    return client_for(engineer.user)


@pytest.fixture
def as_manager(manager) -> APIClient:
    return client_for(manager)
