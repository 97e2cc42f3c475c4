"""`GET /api/v1/` lists the API's roots, and every one of them answers."""

import pytest

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_every_collection_and_each_answers(anon, manager):
    response = anon.get("/api/v1/")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    roots = response.json()
    assert roots["tickets"] == "http://testserver/api/v1/tickets/"
    assert roots["sla_report"] == "http://testserver/api/v1/reports/sla/"
    assert roots["schema"] == "http://testserver/api/schema/"
    as_manager = client_for(manager)
    for key, url in roots.items():
        if key == "auth_token":  # POST only: a GET is refused by method, not missing
            assert as_manager.get(url).status_code == 405
            continue
        if key == "sla_deadline":  # a calculator: without its parameters it says which are missing
            assert set(as_manager.get(url).json()) >= {"plan", "severity"}
            continue
        assert as_manager.get(url).status_code == 200, (key, url)


def test_the_api_root_is_read_only(anon):
    assert anon.post("/api/v1/", {}).status_code == 405
