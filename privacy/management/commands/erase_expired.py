import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from privacy.services import files_delete_pending, retention_erase_batch, retention_plan


class Command(BaseCommand):
    help = (
        "Erase the messages and attachments of closed tickets past their retention period (per customer, "
        "else PRIVACY_RETENTION_MONTHS), in batches, as the beat task does. --dry-run says what would go."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be erased; change nothing."
        )
        parser.add_argument("--batch", type=int, default=200, help="Tickets per transaction (default 200).")

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        if options["dry_run"]:
            self.stdout.write(json.dumps({"dry_run": True, **retention_plan(now=now).as_dict()}))
            return
        total = 0
        while emptied := retention_erase_batch(now=now, limit=max(1, options["batch"])):
            total += emptied
        files_delete_pending()
        self.stdout.write(json.dumps({"dry_run": False, "tickets": total}))
