"""Helpers of the mail tests; the `dovecot`, `smtp` and `mail` fixtures are in tests/conftest.py (the
browser-plus-mail test of tests/web uses them too)."""

from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from tests.mail import DESK

__all__ = ["CORPUS", "DESK", "JIS_FORMS", "eml", "reply_eml"]

CORPUS = Path(__file__).parent / "corpus"


def eml(name: str, **values: str) -> bytes:
    """A corpus message with its {{PLACEHOLDERS}} (addresses, ids, subjects of the test's tickets) filled."""
    raw = (CORPUS / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# What Japanese clients on Windows (Outlook, Becky!) do when they send ISO-2022-JP: the full-width forms
# typed on Windows that JIS X 0208 lacks (the full-width tilde of "09:00-18:00" in the desk's own
# Japanese) are written as the JIS characters they stand for (the wave dash), not refused.
JIS_FORMS = str.maketrans(
    {
        "\uff5e": "\u301c",
        "\uff0d": "\u2212",
        "\u2225": "\u2016",
        "\uffe0": "\xa2",
        "\uffe1": "\xa3",
        "\uffe2": "\xac",
    }
)


def reply_eml(original: EmailMessage, *, sender: str, text: str, charset: str = "utf-8") -> bytes:
    """A reply to `original` (an email the desk sent, as the SMTP server received it) the way a mail
    client writes one: to its Reply-To, "Re:" and its subject, In-Reply-To and References, the new text
    above the quoted original (`charset`: "iso-2022-jp" as Japanese clients send, `JIS_FORMS`)."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = original["Reply-To"] or original["From"]
    reply["Subject"] = "Re: " + " ".join(str(original["Subject"]).split())
    reply["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = " ".join(filter(None, [original["References"], original["Message-ID"]]))
    quoted = "\n".join(f"> {line}" for line in original.get_body(("plain",)).get_content().splitlines())
    body = f"{text}\n\nOn {original['Date']}, {original['From']} wrote:\n{quoted}\n"
    if charset.lower() == "iso-2022-jp":
        body = body.translate(JIS_FORMS)
    reply.set_content(body, charset=charset)
    return reply.as_bytes(policy=policy.SMTP)
