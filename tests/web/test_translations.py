"""Every customer page and every email to requesters and contacts speaks each of the desk's languages:
no English sentence is left outside the catalogs (issue 17).

Each page and email is rendered in English and in every other language, from the same data. A text
(an HTML text node, a label, an `aria-label` or `title`, an email line) is untranslated when, once the
test's own data (names, subject, addresses, links, references, zone names) is taken out:

- it reads the same as in the English rendering (any language), or
- in Chinese, Japanese and Arabic, it still holds a Latin word that is not on the allow-list below.

So a new English sentence in a customer template, in or out of a `{% translate %}` tag, or a new
message in Python without its translations in locale/, fails here, naming the text and the page.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from support_desk.web.emails import RequesterMailTemplates
from tests.factories import NOW, CustomerFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import CustomerContact, RequesterNotification, Status
from tickets.notifications import contacts_notification_record
from tickets.services import confirmation_token

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "es", "pt-br", "ja", "ar"]
NON_LATIN = {"zh-hans", "ja", "ar"}
Kind = RequesterNotification.Kind

# Words that stay as they are in every language: the product's name, zone abbreviations, file types and
# units, and the languages' own names in the switcher.
ALLOWED_WORDS = {
    "Support", "Desk", "JST", "UTC", "Asia", "Tokyo", "MiB", "KB", "bytes", "PNG", "JPEG", "GIF", "PDF",
    "CSV", "JSON", "ZIP", "UTF", "English", "Español", "Português", "Brasil", "SD",
}  # fmt: skip
# Texts that read the same in a Latin-script language as in English (and are right there).
SAME_IN = {
    "es": {"Premium", "Plan", "General", "Ticket", "Support Desk", "Urgente", "Idioma", "JSON válido"},
    "pt-br": {"Premium", "Urgente", "Support Desk", "Idioma"},
}

SUBJECT = "配信が止まる"
NAME = "山田花子"
ENGINEER = "Lena"


class _Texts(HTMLParser):
    """The visible texts of a page and the attributes people hear (aria-label, title, placeholder)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


def page_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def _without_data(text: str, data: list[str]) -> str:
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\S+@\S+", " ", text)
    text = re.sub(r"\bSD-\d+\b", " ", text)
    for value in sorted(data, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    return " ".join(text.split())


def untranslated(english: list[str], translated: list[str], *, language: str, data: list[str]) -> list[str]:
    """The texts of `translated` that are not translated (see the module's docstring)."""
    english_texts = {_without_data(t, data) for t in english}
    found = []
    for raw in translated:
        text = _without_data(raw, data)
        if not re.search(r"[^\W\d_]{2,}", text):  # punctuation, numbers, times
            continue
        same = text in english_texts and text not in SAME_IN.get(language, set())
        if same and not set(re.findall(r"[A-Za-z]+", text)) <= ALLOWED_WORDS:
            found.append(raw.strip())
            continue
        if language in NON_LATIN:
            latin = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_WORDS
            if latin:
                found.append(f"{raw.strip()!r} (English words: {', '.join(sorted(latin))})")
    return found


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def world(frozen):
    """One requester's tickets in every state a customer page or email shows, in Asia/Tokyo."""
    now = frozen
    lena = UserFactory(username="lena", first_name=ENGINEER)
    customer = CustomerFactory(
        name="Nippon Stream", domains=["stream.example"], timezone=ZoneInfo("Asia/Tokyo")
    )
    CustomerContact.objects.create(customer=customer, email="ops@stream.example", name=NAME, language="en")
    tokyo = ZoneInfo("Asia/Tokyo")
    # Untrusted at the customer's domain: the received page asks to confirm, the email too.
    filed = services.ticket_file(
        subject=SUBJECT,
        description="ストリームが数分ごとに止まります。",
        severity="urgent",
        email="hanako@stream.example",
        name=NAME,
        now=now,
        requester_timezone=tokyo,
    )
    ticket = filed.ticket
    services.attachment_add(
        message=filed.message,
        file=SimpleUploadedFile("画面.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        name="画面.png",
        content_type="image/png",
        now=now,
    )
    services.ticket_reply(ticket=ticket, author=lena, body="確認しています。", now=now + timedelta(minutes=5))
    services.ticket_change_status(
        ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=lena, now=now + timedelta(minutes=6)
    )
    resolved = make_ticket(
        now=now,
        email="hanako@stream.example",
        subject=SUBJECT,
        description="ストリームが数分ごとに止まります。",
        requester_timezone=tokyo,
        trusted=True,
    )
    services.ticket_reply(ticket=resolved, author=lena, body="直りました。", now=now + timedelta(minutes=7))
    services.ticket_change_status(
        ticket=resolved, status=Status.RESOLVED, actor=lena, now=now + timedelta(minutes=8)
    )
    services.ticket_rate(ticket=resolved, score="bad", comment="遅かった", now=now + timedelta(minutes=9))
    duplicate = make_ticket(
        now=now,
        email="hanako@stream.example",
        subject=SUBJECT,
        description="もう一度",
        requester_timezone=tokyo,
    )
    services.ticket_close_as_duplicate(ticket=duplicate, duplicate_of=resolved, actor=lena, now=now)
    contacts_notification_record(
        ticket=resolved, kind=Kind.INCIDENT_NOTICE, recipients=["ops@stream.example"], now=now
    )
    contacts_notification_record(
        ticket=resolved, kind=Kind.INCIDENT_UPDATE, recipients=["ops@stream.example"], now=now
    )
    return {"ticket": ticket, "resolved": resolved, "requester": ticket.requester}


DATA = [SUBJECT, NAME, ENGINEER, "画面.png", "Asia/Tokyo", "確認しています。", "直りました。", "遅かった"]
DATA += ["もう一度", "ストリームが数分ごとに止まります。", "Nippon Stream"]
DATA += [name for _, name in settings.LANGUAGES]  # the switcher names each language in itself


def customer_pages(world) -> dict[str, tuple[str, str, dict | None]]:
    """name: (method, path, form data)."""
    ticket, resolved, requester = world["ticket"], world["resolved"], world["requester"]
    page, confirm = reverse("web:customer-ticket", args=[ticket.access_token]), confirmation_token(requester)
    return {
        "form": ("get", reverse("web:ticket-new"), None),
        "form with errors": ("post", reverse("web:ticket-new"), {"email": "not an address", "website": ""}),
        "received": ("get", reverse("web:ticket-received", args=[ticket.access_token]), None),
        "ticket": ("get", page, None),
        "ticket, reply refused": ("post", page, {"body": ""}),
        "resolved ticket": ("get", reverse("web:customer-ticket", args=[resolved.access_token]), None),
        "rating": ("get", reverse("web:customer-rate", args=[resolved.access_token]) + "?score=good", None),
        "rating refused": ("get", reverse("web:customer-rate", args=[ticket.access_token]), None),
        "confirm address": ("get", reverse("web:requester-confirm", args=[confirm]), None),
        "confirm, bad link": ("get", reverse("web:requester-confirm", args=["not-a-token"]), None),
    }  # fmt: skip


def render_pages(world, language: str) -> dict[str, list[str]]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["sd_language"] = language
    out = {}
    for name, (method, path, data) in customer_pages(world).items():
        response = getattr(client, method)(path, data or {})
        assert response.status_code in (200, 400), (name, response.status_code)
        html = response.content.decode()
        assert f'lang="{language}"' in html, name
        out[name] = page_texts(html)
    return out


def render_emails(world, language: str) -> dict[str, list[str]]:
    """Every kind of email recorded above, worded for a requester (and a contact) of `language`."""
    world["requester"].__class__.objects.update(language=language)
    CustomerContact.objects.update(language=language)
    mail = RequesterMailTemplates()
    out = {}
    rows = RequesterNotification.objects.select_related("ticket__requester", "event", "message__author")
    for row in rows.order_by("pk"):
        subject, body = mail.render(notification=row, now=NOW)
        out[f"{row.kind} #{row.pk}"] = [subject, *body.splitlines()]
    return out


def test_every_kind_of_email_is_rendered(world):
    kinds = set(RequesterNotification.objects.values_list("kind", flat=True))
    assert kinds == set(Kind.values), "a kind of email is missing from this test's data"
    statuses = {row.event.data.get("to") for row in RequesterNotification.objects.filter(kind=Kind.STATUS)}
    assert Status.RESOLVED in statuses  # the rating links


@pytest.mark.parametrize("language", LANGUAGES)
def test_customer_pages_and_emails_have_no_text_outside_the_catalogs(world, language):
    pages_en, pages = render_pages(world, "en"), render_pages(world, language)
    emails_en, emails = render_emails(world, "en"), render_emails(world, language)
    problems = []
    for name in pages:
        for text in untranslated(pages_en[name], pages[name], language=language, data=DATA):
            problems.append(f"page {name}: {text}")
    for name in emails:
        for text in untranslated(emails_en[name], emails[name], language=language, data=DATA):
            problems.append(f"email {name}: {text}")
    assert not problems, f"untranslated in {language}:\n" + "\n".join(problems)


def test_the_check_catches_an_english_sentence():
    """The detector itself: an English sentence among Japanese texts, or one the same as in English."""
    english = ["We received your ticket", "Support Desk"]
    assert untranslated(english, ["チケットを受け付けました", "Support Desk"], language="ja", data=DATA) == []
    assert untranslated(english, ["Something new to read"], language="ja", data=DATA)
    assert untranslated(english, ["We received your ticket"], language="es", data=DATA)


def test_arabic_pages_are_right_to_left_and_the_others_left_to_right():
    for language, direction in (("ar", "rtl"), ("ja", "ltr"), ("en", "ltr")):
        client = Client()
        client.cookies["sd_language"] = language
        html = client.get(reverse("web:ticket-new")).content.decode()
        assert f'<html lang="{language}" dir="{direction}">' in html
