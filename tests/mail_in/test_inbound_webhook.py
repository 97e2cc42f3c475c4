"""Inbound email by a provider's webhook (django-anymail, Mailgun's raw-MIME route): signed requests are
handled like mail from the mailbox, once per Message-ID; unsigned or wrongly signed ones change nothing."""

import base64
import hashlib
import hmac

import pytest
from django.test import Client

from tests.mail_in.conftest import eml
from tickets.models import InboundMail, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.mail_in.webhook_urls")]

SIGNING_KEY = "key-test-signing-0123456789"
BASIC = "mailgun:webhook-secret"
URL = "/anymail/mailgun/inbound_mime/"


@pytest.fixture(autouse=True)
def _anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def _post(raw: bytes, *, key: str = SIGNING_KEY, auth: str = BASIC):
    timestamp, token = "1764783605", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return Client().post(
        URL,
        {"body-mime": raw.decode("ascii"), "timestamp": timestamp, "token": token, "signature": signature},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(auth.encode()).decode(),
    )


def test_a_signed_webhook_files_the_mail_once_and_a_forged_one_nothing():
    raw = eml("chinese_gb18030.eml", FROM="wang.wei@qq.example")
    assert _post(raw, key="not-the-key").status_code == 400
    assert _post(raw, auth="mailgun:guess").status_code == 400
    assert not Ticket.objects.exists()

    assert _post(raw).status_code == 200
    assert _post(raw).status_code == 200  # the provider's retry
    ticket = Ticket.objects.get()
    assert ticket.subject == "直播卡顿" and "上海的直播" in ticket.description
    record = InboundMail.objects.get()
    assert (record.mailbox, record.ticket_id) == ("webhook:Mailgun", ticket.pk)
