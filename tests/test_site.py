"""The site-wide URLs outside the apps: the health check and the favicon."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_health_check_reads_the_database(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_the_favicon_is_served_where_browsers_look_and_linked_from_every_page(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]
    assert client.post("/favicon.ico").status_code == 405
    assert 'rel="icon"' in client.get("/").content.decode()
