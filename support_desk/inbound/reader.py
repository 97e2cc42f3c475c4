"""The worker's side of the mailbox: read what is unseen, handle each message, and only then mark it.

One reader at a time (a lock in the cache, Redis in production, with a lease: a crashed reader's lock
runs out). Each message is fetched without marking it (BODY.PEEK), handled in its own transaction
(`services.inbound_mail_handle`), and marked \\Seen, or moved to MAIL_PROCESSED_FOLDER, only after that
transaction committed: a crash in between leaves it unseen, and reading it again changes nothing (the
record is unique on the folder's UIDVALIDITY and UID and on the Message-ID).

A mailbox that cannot be reached (refused, timed out, a login refused) is recorded on its
`MailboxState` and tried again after 30 s, 60 s, 120 s ... (MAIL_RETRY_BASE_SECONDS, doubling, at most
MAIL_RETRY_CAP_SECONDS); `/healthz?detail=1` shows it.
"""

import imaplib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError

from tickets.models import InboundMail, MailboxState

from .services import inbound_mail_handle

logger = logging.getLogger(__name__)

LOCK_KEY = "inbound-mailbox-reader"
LOCK_LEASE_SECONDS = 600
SCHEMES = {
    "imaps": (MailBox, 993),
    "imap": (MailBoxUnencrypted, 143),
    "imap+starttls": (MailBoxStartTls, 143),
}
MAILBOX_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError)


class MailboxUrlInvalid(ValueError):
    pass


@dataclass(frozen=True)
class MailboxConfig:
    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def key(self) -> str:
        """Names the mailbox in `MailboxState` and on /healthz: never the password."""
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def mailbox_config(url: str) -> MailboxConfig:
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise MailboxUrlInvalid(
            f"MAIL_INBOX_URL must be imaps://, imap:// or imap+starttls://, not {parts.scheme!r}"
        )
    return MailboxConfig(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or SCHEMES[parts.scheme][1],
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


@dataclass(frozen=True)
class PollResult:
    handled: int = 0
    skipped: str = ""  # why nothing was read: "off", "backing off", "another reader"
    error: str = ""


def retry_delay(failures: int) -> timedelta:
    seconds = settings.MAIL_RETRY_BASE_SECONDS * 2 ** max(failures - 1, 0)
    return timedelta(seconds=min(settings.MAIL_RETRY_CAP_SECONDS, seconds))


def mailbox_poll(*, now: datetime) -> PollResult:
    """Read the mailbox once, unless it is off, backing off, or being read. Returns what happened."""
    if not settings.MAIL_INBOX_URL:
        return PollResult(skipped="off")
    config = mailbox_config(settings.MAIL_INBOX_URL)
    state, _ = MailboxState.objects.get_or_create(key=config.key)
    if state.retry_at is not None and state.retry_at > now:
        return PollResult(skipped="backing off")
    if not cache.add(LOCK_KEY, now.isoformat(), LOCK_LEASE_SECONDS):
        return PollResult(skipped="another reader")
    try:
        handled = _read(config, now)
    except MAILBOX_ERRORS as exc:
        failures = state.failures + 1
        error = f"{type(exc).__name__}: {exc}"[:500]
        logger.warning("mailbox %s unreachable (%s failures): %s", config.key, failures, error)
        MailboxState.objects.filter(pk=state.pk).update(
            failures=failures, last_error=error, last_failed_at=now, retry_at=now + retry_delay(failures)
        )
        return PollResult(error=error)
    finally:
        cache.delete(LOCK_KEY)
    MailboxState.objects.filter(pk=state.pk).update(failures=0, last_error="", last_ok_at=now, retry_at=None)
    return PollResult(handled=handled)


def _connect(config: MailboxConfig):
    kind = SCHEMES[config.scheme][0]
    mailbox = kind(config.host, config.port, timeout=settings.MAIL_IMAP_TIMEOUT)
    return mailbox.login(config.user, config.password, initial_folder=config.folder)


def _fetch(mailbox, uid: str) -> bytes:
    status, data = mailbox.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid}: {status}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise imaplib.IMAP4.error(f"FETCH {uid}: no message in the answer")


def _read(config: MailboxConfig, now: datetime) -> int:
    with _connect(config) as mailbox:
        validity = mailbox.folder.status(config.folder, ["UIDVALIDITY"])["UIDVALIDITY"]
        key = f"{config.folder}:{validity}"[:200]
        uids = mailbox.uids(AND(seen=False, deleted=False))[: settings.MAIL_BATCH_SIZE]
        if (
            uids
            and settings.MAIL_PROCESSED_FOLDER
            and not mailbox.folder.exists(settings.MAIL_PROCESSED_FOLDER)
        ):
            mailbox.folder.create(settings.MAIL_PROCESSED_FOLDER)
        for uid in uids:
            raw = _fetch(mailbox, uid)
            try:
                inbound_mail_handle(raw=raw, mailbox=key, uid=uid, now=now)  # committed when it returns
            except Exception as exc:  # a bug or a database error on this message: keep it, go on
                logger.exception("inbound message %s of %s could not be handled", uid, key)
                _quarantine_unhandled(raw=raw, mailbox=key, uid=uid, error=exc, now=now)
            _mark(mailbox, uid)
        return len(uids)


def _quarantine_unhandled(*, raw: bytes, mailbox: str, uid: str, error: Exception, now: datetime) -> None:
    with transaction.atomic():
        record, created = InboundMail.objects.get_or_create(
            mailbox=mailbox,
            uid=uid,
            defaults={
                "status": InboundMail.Status.QUARANTINED,
                "reason": f"could not be handled: {type(error).__name__}: {error}"[:200],
                "size": len(raw),
                "received_at": now,
            },
        )
        if created:
            record.raw.save("mail.eml", ContentFile(raw), save=True)


def _mark(mailbox, uid: str) -> None:
    if settings.MAIL_PROCESSED_FOLDER:
        mailbox.move(uid, settings.MAIL_PROCESSED_FOLDER)
    else:
        mailbox.flag(uid, MailMessageFlags.SEEN, True)
