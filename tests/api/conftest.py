import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from escalation.models import Region
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
    """An API client sending `Authorization: Token ...` for `user` (or the raw `token`); anonymous without."""
    client = APIClient()
    if user is not None:
        token = Token.objects.get_or_create(user=user)[0].key
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
