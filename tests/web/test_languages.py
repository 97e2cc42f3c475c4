"""Which language the desk speaks to a requester, and to an engineer (issue 17).

The requester's choice (the switcher: a cookie, and stored on the requester), else their customer's
contact setting, else Accept-Language; the worker's emails follow the same order (the language the page
spoke when they filed standing in for Accept-Language), with times in the requester's zone.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import NOW, CustomerFactory, UserFactory, make_engineer
from tests.mail import deliver_requester_mail
from tickets import services
from tickets.languages import requester_language
from tickets.models import CustomerContact, Requester, Ticket

pytestmark = pytest.mark.django_db

COOKIE = "sd_language"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture(autouse=True)
def _no_routing(monkeypatch):
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


def file_on_the_web(
    client: Client, *, email: str = "hanako@viewer.example", zone: str = "Asia/Tokyo"
) -> Ticket:
    response = client.post(
        reverse("web:ticket-new"),
        {
            "severity": "urgent",
            "subject": "配信が止まる",
            "description": "数分ごとに止まります。",
            "email": email,
            "name": "山田花子",
            "timezone": zone,
            "website": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Ticket.objects.select_related("requester").get(requester__email=email)


# --- the order, pure -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "contact", "negotiated", "expected"),
    [
        ("ja", "pt-br", "es", "ja"),  # the requester's choice first
        ("", "pt-br", "es", "pt-br"),  # else their contact setting
        (None, None, "es", "es"),  # else Accept-Language
        ("", "", "", "en"),  # else English
        ("xx", "zz", "ar", "ar"),  # what the desk does not speak is passed over
        ("pt_BR", None, None, "pt-br"),  # a locale spelling is a language code
        ("ZH-HANS", None, None, "zh-hans"),
    ],
)
def test_the_requesters_language_is_their_choice_then_their_contact_setting_then_their_browser(
    chosen, contact, negotiated, expected
):
    assert requester_language(chosen=chosen, contact=contact, negotiated=negotiated) == expected


# --- the pages --------------------------------------------------------------------------------------


def test_a_requester_filing_under_the_switchers_choice_is_remembered_in_it():
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.cookies[COOKIE] = "ja"
    ticket = file_on_the_web(client)
    assert (ticket.requester.language, ticket.language) == ("ja", "ja")
    page = client.get(reverse("web:ticket-received", args=[ticket.access_token])).content.decode()
    assert '<html lang="ja" dir="ltr">' in page and "チケットを受け付けました" in page


def test_without_a_choice_the_browsers_language_is_kept_on_the_ticket_only():
    ticket = file_on_the_web(Client(HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5"))
    assert (ticket.requester.language, ticket.language) == ("", "es")


def test_a_contacts_language_comes_before_the_browsers_and_after_the_requesters_choice():
    customer = CustomerFactory(name="Stream BR", domains=["stream.example"])
    CustomerContact.objects.create(customer=customer, email="ana@stream.example", language="pt-br")
    ticket = file_on_the_web(Client(HTTP_ACCEPT_LANGUAGE="ja"), email="ana@stream.example")
    page = reverse("web:customer-ticket", args=[ticket.access_token])
    assert '<html lang="pt-br"' in Client(HTTP_ACCEPT_LANGUAGE="ja").get(page).content.decode()
    chooser = Client(HTTP_ACCEPT_LANGUAGE="ja")
    chooser.cookies[COOKIE] = "ar"
    html = chooser.get(page).content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_the_switcher_remembers_the_choice_in_a_cookie_and_on_the_ticket_s_requester():
    ticket = file_on_the_web(Client(HTTP_ACCEPT_LANGUAGE="en"))
    page = reverse("web:customer-ticket", args=[ticket.access_token])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("web:set-language"), {"language": "ar", "next": page, "token": ticket.access_token}
    )
    assert response.status_code == 302 and response["Location"] == page
    assert response.cookies[COOKIE].value == "ar"
    assert Requester.objects.get(pk=ticket.requester_id).language == "ar"
    assert '<html lang="ar" dir="rtl">' in client.get(page).content.decode()
    # Another browser, no cookie: the requester's remembered choice.
    assert '<html lang="ar"' in Client(HTTP_ACCEPT_LANGUAGE="es").get(page).content.decode()


def test_the_switcher_refuses_an_unknown_language_and_never_leads_off_the_site():
    client = Client()
    refused = client.post(reverse("web:set-language"), {"language": "klingon", "next": "/"})
    assert refused.status_code == 400 and b"language: choose one of en, zh-hans" in refused.content
    assert COOKIE not in refused.cookies
    away = client.post(reverse("web:set-language"), {"language": "es", "next": "https://evil.example/"})
    assert away["Location"] == reverse("web:ticket-new")
    assert client.get(reverse("web:set-language")).status_code == 405


# --- the emails -------------------------------------------------------------------------------------


def test_the_emails_are_in_the_requesters_language_with_the_local_time_in_their_zone(mailoutbox, frozen):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[COOKIE] = "ja"
    ticket = file_on_the_web(client)  # 10:00 UTC is 19:00 in Tokyo, after its business hours
    deliver_requester_mail(now=frozen)
    [received] = mailoutbox
    assert received.subject == f"[{ticket.reference}] チケットを受け付けました：配信が止まる"
    assert "山田花子 様" in received.body
    # One business hour of Tokyo's 09:00-18:00: the promise is due at 10:00 the next morning there.
    assert "2025年6月12日木曜日 10:00 JST (Asia/Tokyo) までにエンジニアが返信します。" in received.body
    assert "このチケットの対応時間：月曜日から金曜日まで、Asia/Tokyo 時間の 09:00～18:00。" in received.body

    lena = UserFactory(username="lena", first_name="Lena")
    services.ticket_reply(ticket=ticket, author=lena, body="確認します。", now=frozen + timedelta(minutes=3))
    deliver_requester_mail(now=frozen + timedelta(minutes=3))
    reply = mailoutbox[1]
    assert reply.subject == f"[{ticket.reference}] 新しい返信：配信が止まる"
    assert f"Lena が 2025年6月11日水曜日 19:03 JST (Asia/Tokyo) にチケット {ticket.reference}" in reply.body


def test_an_email_to_a_contact_without_a_choice_is_in_the_contacts_language(mailoutbox, frozen):
    customer = CustomerFactory(
        name="Stream ES", domains=["stream.example"], timezone=ZoneInfo("Europe/Madrid")
    )
    CustomerContact.objects.create(customer=customer, email="ana@stream.example", language="es")
    ticket = file_on_the_web(
        Client(HTTP_ACCEPT_LANGUAGE="ar"), email="ana@stream.example", zone="Europe/Madrid"
    )
    deliver_requester_mail(now=frozen)
    assert mailoutbox[0].subject == f"[{ticket.reference}] Hemos recibido su ticket: 配信が止まる"
    assert "a las 13:00 CEST (Europe/Madrid)" in mailoutbox[0].body


# --- the engineers ------------------------------------------------------------------------------------


def test_engineer_pages_stay_english_whatever_the_browser_asks_until_the_engineer_chooses():
    engineer = make_engineer("lena", name="Lena Fischer")
    ticket = file_on_the_web(Client(HTTP_ACCEPT_LANGUAGE="ja"))
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(engineer.user)
    queue = client.get(reverse("web:queue")).content.decode()
    assert '<html lang="en"' in queue and "<h1>Queue</h1>" in queue
    detail = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    assert "日本語 (ja), their browser" in detail

    client.post(reverse("web:set-language"), {"language": "zh-hans", "next": "/queue/"})
    queue = client.get(reverse("web:queue")).content.decode()
    assert '<html lang="zh-hans"' in queue and "<h1>队列</h1>" in queue and "团队队列" in queue
    detail = client.get(reverse("web:ticket", args=[ticket.reference])).content.decode()
    assert "对方语言" in detail and "公开回复" in detail
    # The switcher offers an engineer the desk's languages only.
    assert 'value="ja"' not in detail.split('id="language-select"')[1].split("</select>")[0]


def test_the_api_takes_the_requesters_language_and_shows_it_with_their_zone():
    response = client_for().post(
        "/api/v1/tickets/",
        {
            "subject": "配信が止まる",
            "description": "数分ごとに止まります。",
            "severity": "general",
            "requester": {"email": "hanako@viewer.example", "name": "山田花子", "language": "ja"},
            "timezone": "Asia/Tokyo",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Requester.objects.get(email="hanako@viewer.example").language == "ja"
    assert response.json()["requester"]["language"] == "ja"
    engineer = make_engineer("lena")
    ticket = Ticket.objects.get()
    detail = client_for(engineer.user).get(f"/api/v1/tickets/{ticket.reference}/").json()
    assert detail["requester"]["language"] == "ja"
    assert (detail["requester_timezone"], detail["language"]) == ("Asia/Tokyo", "")
    refused = client_for().post(
        "/api/v1/tickets/",
        {"subject": "x", "description": "y", "requester": {"email": "a@b.example", "language": "klingon"}},
        format="json",
    )
    assert refused.status_code == 400 and "language" in refused.json()["requester"]


def test_the_api_answers_in_english_whatever_the_client_asks():
    client = client_for()
    client.cookies[COOKIE] = "ja"
    response = client.post("/api/v1/tickets/", {"subject": ""}, format="json", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert response.json()["description"] == ["This field is required."]
