import shutil
import tempfile
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.core.cache import cache

from support_desk.inbound.reader import LOCK_KEY
from tests.mail import SmtpServer
from tests.mail_in.dovecot import Dovecot

CORPUS = Path(__file__).parent / "corpus"
DESK = "support@desk.example"


def eml(name: str, **values: str) -> bytes:
    """A corpus message with its {{PLACEHOLDERS}} (addresses, ids, subjects of the test's tickets) filled."""
    raw = (CORPUS / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def reply_eml(original: EmailMessage, *, sender: str, text: str, charset: str = "utf-8") -> bytes:
    """A reply to `original` (an email the desk sent, as the SMTP server received it) the way a mail
    client writes one: to its Reply-To, "Re:" and its subject, In-Reply-To and References, the new text
    above the quoted original (`charset`: "iso-2022-jp" as Japanese clients send)."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = original["Reply-To"] or original["From"]
    reply["Subject"] = "Re: " + " ".join(str(original["Subject"]).split())
    reply["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = " ".join(filter(None, [original["References"], original["Message-ID"]]))
    quoted = "\n".join(f"> {line}" for line in original.get_body(("plain",)).get_content().splitlines())
    body = f"{text}\n\nOn {original['Date']}, {original['From']} wrote:\n{quoted}\n"
    reply.set_content(body, charset=charset)
    return reply.as_bytes(policy=policy.SMTP)


@pytest.fixture(scope="module")
def dovecot():
    # Directly under the temporary directory: Dovecot's own users must reach its files, and pytest's
    # per-user base directory is closed to them.
    root = Path(tempfile.mkdtemp(prefix="support-desk-dovecot-"))
    server = Dovecot(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail(settings, dovecot, smtp, tmp_path):
    """The desk wired to the real IMAP server (an empty INBOX) and the real SMTP server."""
    dovecot.clear()
    settings.MAIL_INBOX_URL = dovecot.url
    settings.MAIL_REPLY_ADDRESS = DESK
    settings.DEFAULT_FROM_EMAIL = f"Support Desk <{DESK}>"
    settings.MAIL_PROCESSED_FOLDER = ""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    settings.PUBLIC_BASE_URL = "https://desk.example"
    cache.delete(LOCK_KEY)
    return dovecot
