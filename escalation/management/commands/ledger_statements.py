from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalation.reports.periods import month_last_complete
from escalation.sla.services.checkpoints import CheckpointError
from escalation.statements.services import StatementError, statements_make_for_month


def _month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 (a calendar month, no instant)
    except ValueError as exc:
        raise CommandError(f"--month {value!r}: give a month as YYYY-MM.") from exc


class Command(BaseCommand):
    help = (
        "Make each customer's SLA statement of a closed calendar month (UTC), as the beat does on the 1st: "
        "the month's figures and ledger rows with a checkpoint of the ledger's head signed now "
        "(LEDGER_CHECKPOINT_KEY) and published to LEDGER_CHECKPOINT_SINK. Customers that have the "
        "month's statement keep it: running it again makes only the missing ones."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", metavar="YYYY-MM", help="Default: the last complete month.")

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        month = _month(options["month"]) if options["month"] else month_last_complete(now)
        try:
            made = statements_make_for_month(month=month, now=now)
        except StatementError as exc:
            raise CommandError(str(exc)) from exc
        except CheckpointError as exc:
            raise CommandError(f"Statements made, but the checkpoint sink refused: {exc}") from exc
        if made and not made[0].signed:
            self.stderr.write("LEDGER_CHECKPOINT_KEY is not set: these statements are unsigned.")
        self.stdout.write(self.style.SUCCESS(f"{len(made)} statements of {month:%Y-%m} made."))
