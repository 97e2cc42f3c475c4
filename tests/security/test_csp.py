"""Content-Security-Policy and Permissions-Policy (issue 15, item 7): every HTML page carries both
headers, the policy allows no inline script or style, and no page's HTML holds what it would block
(an inline <script> or <style>, a style="..." attribute, an on...= handler, a javascript: link).

The browser side (the pages still work under the policy, with no violation reported) is
tests/web/test_browser_csp.py.
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string

from escalation.incidents.models import Incident
from escalation.incidents.services.ingest import alerts_ingest
from escalation.paging.models import Page
from tests.escalation.incidents.helpers import alert, integration
from tests.factories import NOW, UserFactory, make_engineer, make_ticket

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class InlineFinder(HTMLParser):
    """Collects every piece of markup a policy without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("an inline <script>")
        if tag == "style":
            self.found.append("a <style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"a javascript: {name} on <{tag}>")

    handle_startendtag = handle_starttag


def inline_markup(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


@pytest.fixture
def world():
    """One of each thing a page shows: a ticket, an incident, a page (a grouped SMS), a superuser."""
    ticket = make_ticket(now=NOW, severity="major", subject="Stream is black")
    alerts_ingest(integration=integration(), alerts=[alert(key="edge-down", occurred_at=NOW)], now=NOW)
    boss = UserFactory(username="root", is_superuser=True)
    make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin")
    page = Page.objects.create(
        recipient="+4930123456",
        recipient_user=boss,
        channel="sms",
        sequence=1,
        opened_at=NOW,
        closes_at=NOW + timedelta(seconds=30),
        updated_at=NOW,
    )
    return {"ticket": ticket, "incident": Incident.objects.get(), "page": page, "superuser": boss}


def public_pages(world) -> list[str]:
    token = world["ticket"].access_token
    return ["/", f"/t/{token}/", f"/t/{token}/received/", "/accounts/login/", "/no-such-page/"]


def desk_pages(world) -> list[str]:
    return [
        "/queue/",
        f"/tickets/{world['ticket'].reference}/",
        f"/incidents/{world['incident'].pk}/",
        f"/pages/{world['page'].pk}/",
        "/reports/sla/",
        "/reports/coverage/",
        "/admin/",
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{world['ticket'].pk}/change/",
        "/admin/auth/user/add/",
        "/api/docs/",
    ]


def every_page(client, world):
    for url in public_pages(world):
        yield url, client.get(url)
    client.force_login(world["superuser"])
    for url in desk_pages(world):
        yield url, client.get(url)


def test_every_html_page_carries_the_policy_and_no_inline_script_or_style(client, world):
    seen = 0
    for url, response in every_page(client, world):
        assert response.status_code in (200, 404), url
        assert response["Content-Type"].startswith("text/html"), url
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"], url
        assert policy["base-uri"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["form-action"] == ["'self'"], url
        assert policy["img-src"] == ["'self'", "data:"], url
        permissions = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
            assert feature in permissions, (url, feature)
        assert inline_markup(response.content.decode()) == [], url
        seen += 1
    assert seen == len(public_pages(world)) + len(desk_pages(world))


def test_the_finder_finds_what_the_policy_blocks():
    """The check above could fail: each kind of inline markup is caught, a script file is not."""
    html = (
        '<script>alert(1)</script><script src="/static/web/desk.js"></script><style>b{}</style>'
        '<p style="color:red" onclick="x()">hi</p><a href="JavaScript:go()">go</a>'
        '<script type="application/json">{}</script>'
    )
    assert inline_markup(html) == [
        "an inline <script>",
        "a <style> element",
        'style="color:red" on <p>',
        "onclick= on <p>",
        "a javascript: href on <a>",
        "an inline <script>",  # a JSON block is a script too: the policy would need a nonce for it
    ]


def test_the_server_error_page_holds_no_inline_style():
    """The 500 page is rendered without a request (so without a nonce): its styles are a file."""
    html = render_to_string("500.html")
    assert inline_markup(html) == []
    assert 'href="/static/web/error.css"' in html


def test_swagger_ui_loads_its_start_up_script_as_a_file(client):
    page = client.get("/api/docs/")
    assert "Content-Security-Policy" in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert b"/api/schema/" in script.content
    assert b'src="/api/docs/?script=' in page.content


def test_redoc_alone_may_inline_styles_and_still_runs_only_our_scripts(client):
    """Redoc's styled-components inject <style> elements without a nonce and its search runs in a blob:
    worker: its page widens style-src and worker-src, for that page only (no other page allows
    'unsafe-inline', see above)."""
    response = client.get("/api/docs/redoc/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert policy["script-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "Permissions-Policy" in response
    assert inline_markup(response.content.decode()) == []  # the markup itself is clean all the same
    assert b"fonts.googleapis.com" not in response.content


def test_json_answers_carry_the_headers_too(client):
    """Not only HTML: a JSON answer or the health check opened directly is under the same policy."""
    for response in (client.get("/api/v1/tickets/"), client.get("/healthz")):
        assert "Content-Security-Policy" in response
        assert "Permissions-Policy" in response


def test_every_admin_list_and_add_form_holds_no_inline_script_or_style(client, world):
    """Django's admin is CSP-friendly except a list without actions (its template inlines a <style>):
    every registered model's list and add form is checked, so such a list would show up here."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    client.force_login(world["superuser"])
    checked = 0
    for model in admin.site._registry:
        for view in ("changelist", "add"):
            try:
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")
            except NoReverseMatch:
                continue
            response = client.get(url)
            if response.status_code != 200:
                continue  # some models cannot be added by hand (403)
            assert "Content-Security-Policy" in response, url
            assert inline_markup(response.content.decode()) == [], url
            checked += 1
    assert checked > 10
