"""A raw email as plain data: who sent it, what it answers, its new text, its files, whether a machine
sent it, and, for a delivery-status report, which addresses failed. No database, no clock.

Quoted history and signatures are stripped with mail-parser-reply (maintained, multi-language: the
"On ... wrote:" / "From: ... Sent: ..." headers of Gmail, Outlook and Apple Mail in English, Japanese,
Chinese and more), then cut at an RFC 3676 signature separator ("-- ") if one is left. HTML-only mail
becomes text with nh3 (Ammonia): every tag removed, script and style with their content.
"""

import html
import re
from dataclasses import dataclass, field
from email import policy
from email.errors import (
    CloseBoundaryNotFoundDefect,
    MissingHeaderBodySeparatorDefect,
    MultipartInvariantViolationDefect,
    StartBoundaryNotFoundDefect,
)
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr

import nh3
from mailparser_reply import EmailReplyParser

# Languages whose reply headers and signature phrases the reply parser knows, besides English.
REPLY_LANGUAGES = ["en", "de", "es", "fr", "it", "nl", "ja", "zh"]
AUTOMATIC_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
# Headers that only automatic responders and mailing lists write (any value but "no" counts).
AUTOMATIC_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Vacation", "X-Autoresponder")
LIST_HEADERS = ("List-Id", "List-Unsubscribe")
SERIOUS_DEFECTS = (
    CloseBoundaryNotFoundDefect,
    MissingHeaderBodySeparatorDefect,
    MultipartInvariantViolationDefect,
    StartBoundaryNotFoundDefect,
)
SIGNATURE_SEPARATOR = re.compile(r"^-- ?$", re.MULTILINE)
_BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li|/tr|/h[1-6]|/blockquote|/table)\s*>", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
MESSAGE_ID_MAX_LENGTH = 255


class MalformedMail(ValueError):
    """The message cannot be read as an email: the reason, for the quarantine."""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str  # as the sender declared it; the upload checks decide what it is
    data: bytes


@dataclass(frozen=True)
class Bounce:
    recipient: str
    status: str
    diagnostic: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without < >, "" when missing
    sender: str  # lower-cased address
    sender_name: str
    subject: str
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To values
    answers: list[str]  # the Message-IDs of In-Reply-To, then References (latest first)
    text: str  # the new text: quoted history and signature removed
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # why a machine sent it ("Auto-Submitted: auto-replied"), else ""
    bounces: list[Bounce] = field(default_factory=list)  # a delivery-status report's failed recipients
    bounced_ids: list[str] = field(default_factory=list)  # the Message-IDs of the mail that bounced


def message_ids(value: str | None) -> list[str]:
    return [each[:MESSAGE_ID_MAX_LENGTH] for each in _MESSAGE_ID.findall(value or "")]


def header_message_id(raw: bytes) -> str:
    """The Message-ID of `raw` read from its headers only ("" when it has none or they do not parse)."""
    try:
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        ids = message_ids(str(headers.get("Message-ID", "")))
    except Exception:  # any header the parser chokes on: no id, the full parse says why
        return ""
    return ids[0] if ids else ""


def html_to_text(markup: str) -> str:
    """Safe plain text of an HTML body: line breaks where blocks end, no tags, no scripts or styles."""
    cleaned = nh3.clean(_BLOCK_END.sub("\n", markup), tags=set(), clean_content_tags={"script", "style"})
    text = html.unescape(cleaned).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_reply(text: str) -> str:
    """The new part of a reply: without the quoted history and the signature. Never empty when the text
    is not: a message that is all quote keeps its text."""
    text = text.replace("\r\n", "\n").strip()
    try:
        reply = EmailReplyParser(languages=REPLY_LANGUAGES).parse_reply(text) or ""
    except Exception:  # a regex the library trips on: keep the whole text
        reply = text
    separator = SIGNATURE_SEPARATOR.search(reply)
    if separator is not None:
        reply = reply[: separator.start()]
    reply = reply.strip()
    return reply or text


def _decoded_text(part: Message) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError) as exc:  # an unknown or lying charset
        raise MalformedMail(f"the text cannot be decoded ({exc})") from exc
    return content if isinstance(content, str) else content.decode("utf-8", "replace")


def automatic_reason(message: Message) -> str:
    """Why `message` was sent by a machine (RFC 3834 Auto-Submitted, Precedence, vacation and list
    headers), or "" when a person sent it."""
    submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for header in AUTOMATIC_HEADERS:
        value = str(message.get(header, "")).strip().lower()
        if value and value != "no":
            return f"{header}: {value}"
    for header in LIST_HEADERS:
        if message.get(header):
            return f"{header} (mailing list)"
    return ""


def _bounce_parts(message: Message) -> tuple[list[Bounce], list[str]]:
    """The failed recipients of a delivery-status report (RFC 3464) and the ids of the returned mail."""
    bounces, ids = [], []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                action = str(block.get("Action", "")).strip().lower()
                recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
                address = recipient.partition(";")[2].strip() if ";" in recipient else recipient.strip()
                if action == "failed" and "@" in address:
                    bounces.append(
                        Bounce(
                            recipient=address.lower(),
                            status=str(block.get("Status", "")).strip(),
                            diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).split())[:400],
                        )
                    )
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            returned = payload[0] if isinstance(payload, list) and payload else None
            if returned is None and isinstance(payload, str):
                returned = BytesParser(policy=policy.default).parsebytes(payload.encode(), headersonly=True)
            if returned is not None:
                ids += message_ids(str(returned.get("Message-ID", "")))
    return bounces, ids


def parse_mail(raw: bytes) -> ParsedMail:
    """Read `raw`; raises MalformedMail when it is not a readable email."""
    try:
        message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
        serious = [d for d in message.defects if isinstance(d, SERIOUS_DEFECTS)]
        for part in message.walk():
            serious += [d for d in part.defects if isinstance(d, SERIOUS_DEFECTS)]
        if serious:
            raise MalformedMail(f"broken structure: {type(serious[0]).__name__}")
        name, sender = parseaddr(str(message.get("From", "")))
    except MalformedMail:
        raise
    except Exception as exc:  # the header parser's own errors on garbage
        raise MalformedMail(f"unreadable headers ({type(exc).__name__})") from exc
    if "@" not in sender:
        raise MalformedMail("no sender address")
    subject = " ".join(str(message.get("Subject", "")).split())
    answers = message_ids(str(message.get("In-Reply-To", "")))
    answers += [
        each for each in reversed(message_ids(str(message.get("References", "")))) if each not in answers
    ]
    recipients = [
        str(value)
        for header in ("To", "Cc", "Delivered-To", "X-Original-To")
        for value in message.get_all(header, [])
    ]
    own_ids = message_ids(str(message.get("Message-ID", "")))
    common = {
        "message_id": own_ids[0] if own_ids else "",
        "sender": sender.strip().lower(),
        "sender_name": name.strip(),
        "subject": subject,
        "recipients": recipients,
        "answers": answers,
    }
    if message.get_content_type() == "multipart/report":
        bounces, bounced_ids = _bounce_parts(message)
        return ParsedMail(
            **common, text="", automatic="delivery-status report", bounces=bounces, bounced_ids=bounced_ids
        )
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        text = _decoded_text(body)
        if body.get_content_type() == "text/html":
            text = html_to_text(text)
    attachments = []
    for part in message.iter_attachments():
        filename = part.get_filename()
        if not filename or part.get_content_maintype() in ("multipart", "message"):
            continue
        data = part.get_payload(decode=True) or b""
        attachments.append(Attachment(name=filename, content_type=part.get_content_type(), data=data))
    return ParsedMail(
        **common,
        text=strip_reply(text),
        attachments=attachments,
        automatic=automatic_reason(message),
    )
