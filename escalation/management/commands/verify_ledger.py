from django.core.management.base import BaseCommand, CommandError

from escalation.models import LedgerEntry
from escalation.services.ledger import ledger_verify


class Command(BaseCommand):
    help = (
        "Verify the SLA ledger's hash chain: every row's hash matches its contents and links to the row "
        "before it, with no gaps. Exits non-zero naming the first bad row."
    )

    def handle(self, *args, **options) -> None:
        fault = next(ledger_verify(), None)
        if fault is not None:
            raise CommandError(f"SLA ledger chain is broken at {fault}")
        count = LedgerEntry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"SLA ledger verified: {count} rows, chain intact."))
