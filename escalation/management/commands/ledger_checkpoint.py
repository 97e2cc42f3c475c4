from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalation.sla.services.checkpoints import CheckpointError, ledger_checkpoint


class Command(BaseCommand):
    help = (
        "Sign the SLA ledger's chain head (HMAC-SHA256 under LEDGER_CHECKPOINT_KEY) and append the "
        "checkpoint to LEDGER_CHECKPOINT_SINK, as the beat does every LEDGER_CHECKPOINT_SECONDS."
    )

    def handle(self, *args, **options) -> None:
        try:
            checkpoint = ledger_checkpoint(now=timezone.now())
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        if checkpoint is None:
            raise CommandError("Set LEDGER_CHECKPOINT_KEY and LEDGER_CHECKPOINT_SINK to write checkpoints.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint of row #{checkpoint.seq} ({checkpoint.hash[:12]}…) at {checkpoint.at} "
                f"appended to {settings.LEDGER_CHECKPOINT_SINK}."
            )
        )
