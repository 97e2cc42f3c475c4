"""Issue 17's "done when": a customer files in their language on the web, and the conversation goes on by
email in that language and their local time, threaded, with an engineer on the desk's page between.

Real components throughout: Chromium (Playwright) against the live server, the desk's emails through the
real SMTP server of tests/mail.py (the worker's send step, `deliver_requester_mail`, run here: no worker
runs in this module, so the requests to send are recorded instead of queued), the customer's reply
written as a mail client writes it (ISO-2022-JP for the Japanese one), put into a real Dovecot by IMAP
APPEND and read by `mailbox_poll`, the worker's beat task. Once in Japanese from a Tokyo browser, once in
Arabic from Riyadh (right to left). The customer's pages are saved to the screenshots folder as
`mail-<language>-<page>.png`.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from support_desk.inbound.reader import mailbox_poll
from tests.factories import make_engineer
from tests.mail import deliver_requester_mail
from tests.mail_in.conftest import reply_eml
from tickets.models import InboundMail, Message, RequesterNotification, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"
JA_WEEKDAYS = "月火水木金土日"
AR_WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
AR_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]


def japanese_when(instant: datetime) -> str:
    """How a Japanese email names `instant` for a Tokyo customer: CLDR's full date, then its short time
    (24-hour, the hour without a leading zero: 3:03)."""
    local = instant.astimezone(ZoneInfo("Asia/Tokyo"))
    day = f"{local.year}年{local.month}月{local.day}日{JA_WEEKDAYS[local.weekday()]}曜日"
    return f"{day} {local.hour}:{local:%M} JST (Asia/Tokyo)"


def arabic_when(instant: datetime) -> str:
    """How an Arabic email names `instant` for a Riyadh customer: CLDR's full date, a 12-hour time with
    ص/م, and the zone by its place (Riyadh's zone has no letters of its own, only "+03")."""
    local = instant.astimezone(ZoneInfo("Asia/Riyadh"))
    day = f"{AR_WEEKDAYS[local.weekday()]}، {local.day} {AR_MONTHS[local.month - 1]} {local.year}"
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local:%M} {'ص' if local.hour < 12 else 'م'}"
    return f"{day} الساعة {clock} توقيت المملكة العربية السعودية (Asia/Riyadh)"


@dataclass(frozen=True)
class Path:
    language: str
    direction: str
    browser_locale: str
    zone: str
    option: str  # the switcher's option, as the customer reads it
    email: str
    name: str
    subject: str
    description: str
    received_subject: str  # "We received your ticket: ..." in the language
    reply_subject: str  # "New reply: ..."
    greeting: str
    promise: re.Pattern  # the receipt's "an engineer replies by <local time>"
    customer_reply: str
    charset: str
    engineer_reply: str
    replied: str  # "<name> replied on your ticket <ref>, "<subject>", on <when>:" with {ref} and {when}
    private_link: str  # "Read the whole conversation and answer at your private link:"
    signature: str
    when: object  # instant -> the local time in the language's words


JAPANESE = Path(
    language="ja",
    direction="ltr",
    browser_locale="ja-JP",
    zone="Asia/Tokyo",
    option="日本語",
    email="hanako@stream.example",
    name="山田花子",
    subject="配信が数分ごとに止まる",
    description="チャンネル4の配信が数分ごとに止まります。",
    received_subject="チケットを受け付けました：配信が数分ごとに止まる",
    reply_subject="新しい返信：配信が数分ごとに止まる",
    greeting="山田花子 様",
    promise=re.compile(
        r"\d{4}年\d{1,2}月\d{1,2}日.曜日 \d{1,2}:\d\d JST \(Asia/Tokyo\) までにエンジニアが返信します。"
    ),
    customer_reply="エンコーダーを再起動しましたが、まだ止まります。",
    charset="iso-2022-jp",
    engineer_reply="Thanks: we moved channel 4 to the backup origin.",
    replied="Lena が {when} にチケット {ref}「配信が数分ごとに止まる」へ返信しました：",
    private_link="専用リンクからこれまでのやり取りを確認し、返信できます：",
    signature="Support Desk サポート窓口",
    when=japanese_when,
)

ARABIC = Path(
    language="ar",
    direction="rtl",
    # An English browser: the customer picks العربية on the switcher, and the page turns right to left.
    browser_locale="en-GB",
    zone="Asia/Riyadh",
    option="العربية",
    email="khalid@stream.example",
    name="خالد العتيبي",
    subject="البث يتوقف كل بضع دقائق",
    description="يتوقف البث على القناة 4 كل بضع دقائق.",
    received_subject="تلقّينا تذكرتك: البث يتوقف كل بضع دقائق",
    reply_subject="رد جديد: البث يتوقف كل بضع دقائق",
    greeting="مرحبًا خالد العتيبي،",
    promise=re.compile(
        r"سيردّ أحد المهندسين قبل .+، \d{1,2} .+ \d{4} الساعة \d{1,2}:\d\d [صم] توقيت المملكة العربية السعودية"
        r" \(Asia/Riyadh\)"
    ),
    customer_reply="أعدنا تشغيل المشفّر لكن البث ما زال يتوقف.",
    charset="utf-8",
    engineer_reply="Thanks: we moved channel 4 to the backup origin.",
    replied='ردّ Lena على تذكرتك {ref} "البث يتوقف كل بضع دقائق" في {when}:',
    private_link="اقرأ المحادثة كاملة وردّ عبر رابطك الخاص:",
    signature="فريق Support Desk",
    when=arabic_when,
)


@pytest.fixture(autouse=True)
def worker_requests(monkeypatch):
    """No worker runs here: the requester notifications the services hand to it once their transaction
    commits are recorded instead of queued in the broker (the requests to route a ticket are dropped)."""
    from escalation import enqueue as routing
    from tickets import enqueue

    requested: list[int] = []
    monkeypatch.setattr(routing, "route_ticket", lambda ticket_id: None)
    monkeypatch.setattr(enqueue, "send_requester_notifications", lambda ids: requested.extend(ids))
    return requested


@pytest.fixture
def lena():
    return make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin", password=PASSWORD).user


def _send_what_the_worker_was_asked_to(smtp, requested: list[int]) -> list:
    """The worker's send step for the notifications handed to it since the last call; the emails the
    SMTP server accepted for them."""
    queued = RequesterNotification.objects.filter(status=RequesterNotification.Status.QUEUED)
    assert sorted(queued.values_list("pk", flat=True)) == sorted(requested), "every email goes to the worker"
    before = len(smtp.received)
    assert requested and deliver_requester_mail(now=timezone.now()) == ["sent"] * len(requested)
    requested.clear()
    return [each.message for each in smtp.received[before:]]


def _check_page(page, path: Path) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", path.language)
    expect(html).to_have_attribute("dir", path.direction)


@pytest.mark.parametrize("path", [JAPANESE, ARABIC], ids=["ja", "ar"])
def test_a_customer_files_on_the_web_and_the_conversation_goes_on_by_email_in_their_language(
    path, live_server, browser, screenshot_dir, mail, smtp, lena, worker_requests
):
    def shot(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"mail-{path.language}-{name}.png"), full_page=True)

    # --- the customer files on the web, choosing their language on the switcher ----------------------
    customer = browser.new_context(
        timezone_id=path.zone, locale=path.browser_locale, viewport={"width": 390, "height": 844}
    )
    page = customer.new_page()
    page.goto(live_server.url + "/")
    switcher = page.locator("#language-select")
    switcher.select_option(label=path.option)
    page.locator("form.language-switcher button[type=submit]").click()
    _check_page(page, path)
    shot(page, "form")
    page.locator("input[name=severity][value=urgent]").check()
    page.locator("[name=subject]").fill(path.subject)
    page.locator("[name=description]").fill(path.description)
    page.locator("[name=email]").fill(path.email)
    page.locator("[name=name]").fill(path.name)
    page.locator("form.panel button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/t/[\w-]+/received/$"))
    _check_page(page, path)
    ticket = Ticket.objects.select_related("requester").get(requester__email=path.email)
    # The switcher's choice is the requester's (not only the page's), the zone the browser's.
    assert (ticket.requester.language, ticket.language) == (path.language, path.language)
    assert ticket.requester_timezone == ZoneInfo(path.zone)
    expect(page.locator(".reference")).to_have_text(ticket.reference)
    shot(page, "received")

    # --- the confirmation email, in their language and time --------------------------------------
    [received] = _send_what_the_worker_was_asked_to(smtp, worker_requests)
    assert parseaddr(received["To"])[1] == path.email
    assert received["Subject"] == f"[{ticket.reference}] {path.received_subject}"
    assert received["Reply-To"].startswith(f"support+{ticket.reference}.")
    body = received.get_body(("plain",)).get_content()
    assert body.startswith(path.greeting), body[:200]
    assert path.promise.search(body), body

    # --- they answer from their mail client; the worker's poll reads it into the ticket ----------
    raw = reply_eml(
        received, sender=f"{path.name} <{path.email}>", text=path.customer_reply, charset=path.charset
    )
    assert f'charset="{path.charset}"'.encode() in raw
    their_id = message_from_bytes(raw, policy=policy.default)["Message-ID"]
    mail.deliver(raw)
    result = mailbox_poll(now=timezone.now())
    assert (result.error, result.handled) == ("", 1), result
    assert mail.unseen() == 0  # marked \Seen once the ticket's change committed
    inbound = InboundMail.objects.get()
    assert (inbound.ticket_id, inbound.reason) == (ticket.pk, "reply, threaded by headers")
    assert f"<{inbound.message_id}>" == their_id
    from_them = Message.objects.filter(ticket=ticket, author=None).order_by("pk")
    assert list(from_them.values_list("body", flat=True)) == [path.description, path.customer_reply]

    # --- the engineer sees it threaded on the ticket's page and answers there ---------------------
    desk = browser.new_context(
        timezone_id="Europe/Berlin", locale="en-GB", viewport={"width": 1366, "height": 900}
    )
    desk_page = desk.new_page()
    desk_page.goto(f"{live_server.url}/tickets/{ticket.reference}/")
    desk_page.get_by_label("Username").fill("lena")
    desk_page.get_by_label("Password").fill(PASSWORD)
    desk_page.get_by_role("button", name="Log in").click()
    expect(desk_page).to_have_url(f"{live_server.url}/tickets/{ticket.reference}/")
    customer_messages = desk_page.locator(".message--customer .body")
    expect(customer_messages).to_have_text([path.description, path.customer_reply])
    expect(desk_page.get_by_text("wrote:")).to_have_count(0)  # the quoted history stayed out
    expect(desk_page.get_by_test_id("requester-language")).to_contain_text(f"({path.language})")
    desk_page.get_by_label("Reply to the customer", exact=True).fill(path.engineer_reply)
    desk_page.get_by_role("button", name="Send reply to customer").click()
    expect(desk_page.get_by_role("status")).to_contain_text("Reply sent to the customer.")
    desk.close()

    # --- their next email: their language, their local time, threaded on their reply -------------
    answer = Message.objects.get(ticket=ticket, author=lena)
    [reply] = _send_what_the_worker_was_asked_to(smtp, worker_requests)
    assert reply["Subject"] == f"[{ticket.reference}] {path.reply_subject}"
    assert reply["In-Reply-To"] == their_id
    assert reply["References"].split() == [received["Message-ID"], their_id]
    body = reply.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body == "\n\n".join(
        [
            path.greeting,
            path.replied.format(ref=ticket.reference, when=path.when(answer.created_at)),
            path.engineer_reply,
            f"{path.private_link}\n{settings.PUBLIC_BASE_URL}/t/{ticket.access_token}/",
            path.signature,
            "",
        ]
    )

    # --- and the ticket's page shows the whole conversation --------------------------------------
    page.goto(f"{live_server.url}/t/{ticket.access_token}/")
    _check_page(page, path)
    expect(page.locator(".thread .message .body")).to_have_text(
        [path.description, path.customer_reply, path.engineer_reply]
    )
    shot(page, "ticket")
    customer.close()
