"""Erasing a person: a requester (on request), an engineer who left, or the contents of closed tickets
past their retention period (`retention.py`). One transaction each; the tickets, their clocks, events,
escalations and the SLA ledger stay, so `verify_ledger` passes and the reports count the same cycles.

Order matters against the worker: the person's tickets are locked (`SELECT ... FOR UPDATE`, in id order,
as the alarm firing locks them) before anything is read, so a step firing at the same moment either
commits first, and its page is scrubbed here, or waits, and words its page from the erased subject.
Files are deleted from storage after commit (`PendingFileDeletion`: record, delete, record).
"""

import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import FileField, Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac

from escalation.models import Engineer
from tickets.models import (
    Attachment,
    CustomerContact,
    Event,
    InboundMail,
    Message,
    Rating,
    Requester,
    RequesterNotification,
    Ticket,
)
from tickets.models.tickets import new_access_token
from tickets.services.requesters import normalize_email

from ..models import Erasure, PendingFileDeletion
from ..registry import PersonalColumn, registry
from ..scrub import MARKER, Person, scrub_json, scrub_text

User = get_user_model()
PSEUDONYM_DOMAIN = "erased.invalid"  # RFC 2606: never delivered
ENGINEER_PSEUDONYM = "erased:{username}"
ADDRESS_IN_TEXT = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# Tables whose rows never change: the SLA ledger (hash-chained) and the erasure records.
IMMUTABLE = frozenset({"escalation.LedgerEntry", "privacy.Erasure"})


class ErasureRefused(Exception):
    """The request cannot be carried out as asked; `field` names what to change."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class NothingHeld(ErasureRefused):
    """No personal data is held for the address, and none was ever erased for it."""


@dataclass(frozen=True)
class ErasureResult:
    erasure: Erasure
    already: bool  # nothing was left: the person had been erased before (this record)


def subject_digest(kind: str, value: str) -> str:
    return salted_hmac(f"privacy.erasure.{kind}", value, algorithm="sha256").hexdigest()


def _check_reason(reason: str, *secrets_: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ErasureRefused("reason", "Say why this data is erased (a request, a contract's end...).")
    if ADDRESS_IN_TEXT.search(reason) or any(
        s and len(s) >= 3 and s.casefold() in reason.casefold() for s in secrets_
    ):
        raise ErasureRefused(
            "reason", "The reason is kept for good: do not name the person or their address."
        )


# --- the generic passes over the registry ----------------------------------------------------------


def _ticket_filter(column: PersonalColumn, ticket_ids: list[int]) -> Q:
    path = column.ticket
    return Q(pk__in=ticket_ids) if path == "" else Q(**{f"{path}__in": ticket_ids})


def _scrub_rows(queryset, column: PersonalColumn, person: Person, counts: Counter, *,
                drop_keys: frozenset[str] = frozenset()) -> None:  # fmt: skip
    """Rewrite `column` of each row of `queryset` without `person`'s data (in Python: quotes and JSON)."""
    name = column.field
    for pk, value in queryset.values_list("pk", name).distinct():
        if value in (None, "", {}, []):
            continue
        if column.is_json:
            new, n = scrub_json(value, person, drop_keys=drop_keys)
        else:
            new, n = scrub_text(value, person)
        if n:
            column.model._default_manager.filter(pk=pk).update(**{name: new})
            counts[f"{column.label} scrubbed"] += 1


def _scrub_everywhere(person: Person, needles: list[str], counts: Counter, *, skip: set[str]) -> None:
    """Every `mentions` column, in every row that contains one of `needles` (an address, a phone number,
    a full name): the whole table is searched, since anyone may have written them anywhere."""
    columns = [c for c in registry().personal if c.reach in ("mentions", "authored")]
    for column in columns:
        if column.label in skip or isinstance(column.model._meta.get_field(column.field), FileField):
            continue
        lookup = Q()
        for needle in needles:
            lookup |= Q(**{f"{column.field}__icontains": needle})  # jsonb is searched as its text
        if not lookup:
            continue
        rows = column.model._default_manager.filter(lookup)
        if column.model._meta.label in IMMUTABLE:
            # Never rewritten (hash-chained, or the erasure records themselves): counted, so the record
            # says a mention was left where nothing may change.
            if n := rows.count():
                counts[f"{column.label} mentions left (immutable)"] += n
            continue
        _scrub_rows(rows, column, person, counts)


def _addresses_replace(
    addresses: list[str], pseudonym: str, counts: Counter, *, exclude: set[str] = frozenset()
) -> None:
    """Every `address` column holding one of `addresses` now holds `pseudonym`."""
    for column in registry().reach("address"):
        if column.label in exclude:
            continue
        qs = column.model._default_manager.annotate(_addr=Lower(column.field)).filter(
            _addr__in=[a.lower() for a in addresses]
        )
        n = qs.update(**{column.field: pseudonym})
        if n:
            counts[f"{column.label} replaced"] += n


# --- tickets ------------------------------------------------------------------------------------


def _files_queue(paths: list[str], now: datetime) -> None:
    paths = [p for p in paths if p]
    if not paths:
        return
    PendingFileDeletion.objects.bulk_create(
        [PendingFileDeletion(path=p, queued_at=now) for p in paths], ignore_conflicts=True
    )
    transaction.on_commit(files_delete_pending)


def files_delete_pending(*, limit: int = 500) -> int:
    """Delete queued files from storage, then their rows; a file storage already lost counts as gone."""
    done = 0
    for pending in PendingFileDeletion.objects.order_by("pk")[:limit]:
        try:
            default_storage.delete(pending.path)
        except OSError:
            continue  # storage unreachable: the next run tries again
        PendingFileDeletion.objects.filter(pk=pending.pk).delete()
        done += 1
    return done


def _attachments_delete(queryset, counts: Counter, now: datetime) -> None:
    rows = list(queryset.values_list("pk", "file"))
    if not rows:
        return
    _files_queue([path for _, path in rows], now)
    Attachment.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    counts["attachments deleted"] += len(rows)


def _inbound_mail_files_delete(queryset, counts: Counter, now: datetime) -> None:
    """The raw messages kept of inbound mail (quarantined, or released from quarantine) leave storage."""
    rows = list(queryset.exclude(raw="").values_list("pk", "raw"))
    if not rows:
        return
    _files_queue([path for _, path in rows], now)
    InboundMail.objects.filter(pk__in=[pk for pk, _ in rows]).update(raw="")
    counts["inbound mail files deleted"] += len(rows)


def _tickets_empty(tickets: list[Ticket], person: Person, counts: Counter, now: datetime, *,
                   whole_thread: bool) -> None:  # fmt: skip
    """Remove what the requester wrote on `tickets` (every message when `whole_thread`: retention), and
    their words and quotes from what others wrote there."""
    ids = [t.pk for t in tickets]
    theirs = Message.objects.filter(ticket_id__in=ids)
    if not whole_thread:
        theirs = theirs.filter(author__isnull=True)
    _attachments_delete(Attachment.objects.filter(message__in=theirs), counts, now)
    n = theirs.exclude(body=MARKER).update(body=MARKER)
    counts["messages erased"] += n
    # Engineers' messages on these tickets, and on the tickets these were merged into (a merged
    # duplicate's messages are copied into a note there).
    targets = [t.duplicate_of_id for t in tickets if t.duplicate_of_id] + ids
    others = Message.objects.filter(ticket_id__in=targets).exclude(pk__in=theirs.values("pk"))
    column = next(c for c in registry().personal if c.label == "tickets.Message.body")
    _scrub_rows(others, column, person, counts)
    for ticket in tickets:
        filed_by_requester = (
            whole_thread
            or not Message.objects.filter(
                ticket=ticket, author__isnull=False, body=ticket.description
            ).exists()
        )
        fields = {"access_token": new_access_token()}
        if filed_by_requester:
            fields |= {"subject": f"{MARKER} {ticket.reference}", "description": MARKER}
        else:
            fields |= {"subject": scrub_text(ticket.subject, person)[0],
                       "description": scrub_text(ticket.description, person)[0]}  # fmt: skip
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        counts["tickets emptied"] += 1
    counts["rating comments erased"] += (
        Rating.objects.filter(ticket_id__in=ids).exclude(comment="").update(comment="")
    )
    _inbound_mail_files_delete(InboundMail.objects.filter(ticket_id__in=ids), counts, now)
    # Every column of these tickets' rows that may quote them: events, pages, notifications' errors.
    for column in registry().reach("mentions"):
        if column.ticket is None:
            continue
        queryset = column.model._default_manager.filter(_ticket_filter(column, ids))
        drop = frozenset({"comment"}) if column.model is Event else frozenset()
        _scrub_rows(queryset, column, person, counts, drop_keys=drop)
    for column in registry().reach("authored"):  # a registered table of text the requester wrote
        if column.model in (Ticket, Message, Rating, Attachment) or column.ticket is None:
            continue
        queryset = column.model._default_manager.filter(_ticket_filter(column, ids))
        counts[f"{column.label} erased"] += queryset.update(**{column.field: MARKER})
    _admin_log_rename(Ticket, ids, lambda pk: f"{MARKER} ticket {pk}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT tickets_search_refresh(%s::bigint[])", [ids])


def _admin_log_rename(model, ids: list[int], words) -> None:
    content_type = ContentType.objects.get_for_model(model)
    for pk in ids:
        LogEntry.objects.filter(content_type=content_type, object_id=str(pk)).update(object_repr=words(pk))


def _lock_tickets(queryset) -> list[Ticket]:
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


# --- requesters -----------------------------------------------------------------------------------


def _requester_person(requester: Requester | None, email: str, tickets: list[Ticket]) -> Person:
    ids = [t.pk for t in tickets]
    name = requester.name.strip() if requester else ""
    texts = list(
        Message.objects.filter(ticket_id__in=ids, author__isnull=True).values_list("body", flat=True)
    )
    texts += [t.description for t in tickets] + list(
        Rating.objects.filter(ticket_id__in=ids).exclude(comment="").values_list("comment", flat=True)
    )
    subjects = [t.subject for t in tickets]
    return Person.of(
        literals=[email, name],
        words=name.split() if name else [],
        quoted=texts + subjects,
        fragments=subjects,
    )


def _requester_erase_locked(*, requester: Requester | None, email: str, counts: Counter, now: datetime,
                            pseudonym: str, whole_thread: bool = False) -> None:  # fmt: skip
    tickets = _lock_tickets(Ticket.objects.filter(requester=requester)) if requester else []
    person = _requester_person(requester, email, tickets)
    if tickets:
        _tickets_empty(tickets, person, counts, now, whole_thread=whole_thread)
    # Their mail that reached no ticket (quarantined): its file and subject go, the row stays (it is what
    # keeps the message from being handled twice).
    stray = InboundMail.objects.filter(sender=email, ticket__isnull=True)
    _inbound_mail_files_delete(stray, counts, now)
    counts["tickets.InboundMail.subject erased"] += stray.exclude(subject=MARKER).update(subject=MARKER)
    # Their address anywhere else: notifications to them, blocks, contacts, anyone's free text.
    _addresses_replace([email], pseudonym, counts)
    RequesterNotification.objects.filter(
        recipient=pseudonym,
        status__in=[RequesterNotification.Status.QUEUED, RequesterNotification.Status.SENDING],
    ).update(status=RequesterNotification.Status.FAILED, last_error="not sent: the recipient was erased")
    counts["contacts deleted"] += CustomerContact.objects.filter(email=email).delete()[0]
    needles = [email] + ([requester.name] if requester and len(requester.name.split()) > 1 else [])
    _scrub_everywhere(Person.of(literals=needles), needles, counts, skip=set())
    if requester is not None:
        Requester.objects.filter(pk=requester.pk).update(
            email=pseudonym, name=f"Erased requester {requester.pk}"
        )
        _admin_log_rename(Requester, [requester.pk], lambda pk: pseudonym)
        counts["requesters pseudonymized"] += 1
        if connection.vendor == "postgresql" and tickets:
            with connection.cursor() as cursor:
                cursor.execute("SELECT tickets_search_refresh(%s::bigint[])", [[t.pk for t in tickets]])


def _pseudonym() -> str:
    return f"erased-{secrets.token_hex(6)}@{PSEUDONYM_DOMAIN}"


@transaction.atomic
def requester_erase(*, email: str, reason: str, actor, now: datetime) -> ErasureResult:
    """Erase the requester with `email`: name and address become a pseudonym, their messages, files,
    rating comments and quotes go, their address leaves every other table. Erasing again is harmless:
    the first record is returned (`already`)."""
    email = normalize_email(email)
    digest = subject_digest("requester", email)
    requester = Requester.objects.select_for_update().filter(email=email).first()
    _check_reason(reason, email, requester.name.strip() if requester else "")
    counts: Counter = Counter()
    pseudonym = _pseudonym()
    _requester_erase_locked(requester=requester, email=email, counts=counts, now=now, pseudonym=pseudonym)
    counts = +counts
    if not counts:
        previous = Erasure.objects.filter(kind=Erasure.Kind.REQUESTER, subject_digest=digest).first()
        if previous is not None:
            return ErasureResult(previous, already=True)
        raise NothingHeld("email", "No personal data is held for this address.")
    erasure = Erasure.objects.create(
        kind=Erasure.Kind.REQUESTER, pseudonym=pseudonym, subject_digest=digest, reason=reason.strip(),
        erased_by=actor, at=now, counts=dict(sorted(counts.items())),
    )  # fmt: skip
    return ErasureResult(erasure, already=False)


# --- engineers who left ------------------------------------------------------------------------------


@transaction.atomic
def engineer_erase(*, username: str, reason: str, actor, now: datetime) -> ErasureResult:
    """Erase an engineer who left: name, address, phone and login records go; the username stays, the
    pseudonym on the ledger's rows, tickets and events. Their login must be switched off first."""
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        raise NothingHeld("username", f"No login {username!r}.")
    if user.is_active:
        raise ErasureRefused("username", f"{username} can still sign in: switch the login off first.")
    engineer = Engineer.objects.filter(user=user).first()
    full_name = " ".join(p for p in (user.first_name.strip(), user.last_name.strip()) if p)
    phone = str(engineer.phone) if engineer and engineer.phone else ""
    _check_reason(reason, user.email, full_name, phone)
    digest = subject_digest("engineer", username)
    counts: Counter = Counter()
    pseudonym = ENGINEER_PSEUDONYM.format(username=username)
    # Pages to them: by login, and by the numbers and addresses they had.
    from escalation.models import Notification, Page

    counts["escalation.Notification.recipient replaced"] += (
        Notification.objects.filter(
            Q(recipient_user=user) | Q(recipient__in=[a for a in (phone, user.email) if a])
        )
        .exclude(recipient=pseudonym)
        .update(recipient=pseudonym)
    )
    pages = Page.objects.filter(Q(recipient_user=user) | Q(recipient__in=[a for a in (phone,) if a]))
    for page in pages.exclude(recipient__startswith=f"{pseudonym}#"):
        Page.objects.filter(pk=page.pk).update(recipient=f"{pseudonym}#{page.pk}")
        counts["escalation.Page.recipient replaced"] += 1
    addresses = [a for a in (phone, user.email) if a]
    if addresses:
        _addresses_replace(addresses, pseudonym, counts, exclude={"escalation.Page.recipient"})
    needles = addresses + ([full_name] if len(full_name.split()) > 1 else [])
    if needles:
        _scrub_everywhere(Person.of(literals=needles), needles, counts, skip=set())
    if engineer is not None and engineer.phone:
        Engineer.objects.filter(pk=engineer.pk).update(phone="")
        counts["phone numbers erased"] += 1
    if full_name or user.email:
        counts["names and addresses erased"] += 1
    User.objects.filter(pk=user.pk).update(first_name="", last_name="", email="", password="!erased")  # noqa: S106 (an unusable hash, not a password)
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from knox.models import AuthToken

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        n = model.objects.filter(username=username).delete()[0]
        if n:
            counts["login records deleted"] += n
    n = AuthToken.objects.filter(user=user).delete()[0]
    if n:
        counts["api tokens deleted"] += n
    _admin_log_rename(User, [user.pk], lambda pk: username)
    counts = +counts
    if not counts:
        previous = Erasure.objects.filter(kind=Erasure.Kind.ENGINEER, subject_digest=digest).first()
        if previous is not None:
            return ErasureResult(previous, already=True)
    erasure = Erasure.objects.create(
        kind=Erasure.Kind.ENGINEER, pseudonym=username, subject_digest=digest, reason=reason.strip(),
        erased_by=actor, at=now, counts=dict(sorted(counts.items())),
    )  # fmt: skip
    return ErasureResult(erasure, already=False)
