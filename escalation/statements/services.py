"""Making the monthly statements: once per customer and closed month, each freezing the month's figures
and a checkpoint of the ledger's head signed when it is made (published to the sink too)."""

from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from escalation.reports.periods import Period, month_is_final, month_start
from escalation.sla.services.checkpoints import (
    Checkpoint,
    checkpoint_key,
    checkpoint_publish,
    checkpoint_take,
)
from escalation.statements.document import FORMAT, canonical_json, statement_signature
from escalation.statements.models import Statement
from escalation.statements.selectors import MonthFigures, customers_without_statement
from tickets.models import Customer


class StatementError(ValueError):
    """A statement cannot be made for what was asked; the message says why."""


def statement_document(
    *, customer: Customer, period: Period, figures: dict, checkpoint: Checkpoint, now: datetime
) -> dict:
    """Everything a statement says, signature aside. Pure."""
    return {
        "format": FORMAT,
        "customer": {"id": customer.pk, "name": customer.name, "plan": customer.plan},
        "month": f"{period.start:%Y-%m}",
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "made_at": now.isoformat(),
        **figures,
        "checkpoint": checkpoint.as_dict(),
        "signed": bool(checkpoint.signature),
    }


def statements_make_for_month(*, month: date, now: datetime) -> list[Statement]:
    """A statement for every customer that has none for the UTC month containing `month`, which must
    have ended at `now`; the ones made (none on a second run: the database decides, under
    `statement_once_per_month`). Unsigned when LEDGER_CHECKPOINT_KEY is not set (`check --deploy`
    warns). The checkpoint is published to LEDGER_CHECKPOINT_SINK after the statements are committed;
    a sink that refuses raises CheckpointError then (the statements stand, and carry it)."""
    month = month_start(month)
    if not month_is_final(month, now):
        raise StatementError(f"{month:%Y-%m} has not ended: statements are made for closed months only.")
    customers = customers_without_statement(month=month)
    if not customers:
        return []
    key = checkpoint_key()
    figures = MonthFigures(month=month, now=now)
    each = [(customer, figures.for_customer(customer)) for customer in customers]
    # The head is read after every listed row was: its checkpoint covers them all.
    checkpoint = checkpoint_take(now=now, key=key)
    made = []
    with transaction.atomic():
        for customer, mine in each:
            document = statement_document(
                customer=customer, period=figures.period, figures=mine, checkpoint=checkpoint, now=now
            )
            try:
                with transaction.atomic():
                    made.append(
                        Statement.objects.create(
                            customer=customer,
                            month=month,
                            made_at=now,
                            checkpoint_seq=checkpoint.seq,
                            checkpoint_hash=checkpoint.hash,
                            body=canonical_json(document),
                            signature=statement_signature(document, key=key),
                        )
                    )
            except IntegrityError:
                continue  # another run made it meanwhile
    sink = settings.LEDGER_CHECKPOINT_SINK
    if made and key and sink:
        checkpoint_publish(checkpoint, sink=sink)
    return made
