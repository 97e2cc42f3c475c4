from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalation.sla.services.checkpoints import checkpoint_key
from escalation.statements.document import StatementFileError, statement_read
from escalation.statements.verify import statement_verify


class Command(BaseCommand):
    help = (
        "Verify a customer's downloaded SLA statement (its JSON or CSV): its signature under "
        "LEDGER_CHECKPOINT_KEY, then that the ledger's chain is intact and still holds the statement's "
        "signed checkpoint at its seq and each listed row's hash at its seq. Exits non-zero naming what "
        "was changed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE", help="The statement as downloaded (.json or .csv).")

    def handle(self, *args, **options) -> None:
        key = checkpoint_key()
        if not key:
            raise CommandError(
                "LEDGER_CHECKPOINT_KEY is not set: the statement's signature cannot be checked."
            )
        try:
            data = Path(options["file"]).read_bytes()
            statement = statement_read(data, key=key)
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        except StatementFileError as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        check = statement_verify(statement=statement, key=key, now=timezone.now())
        for note in check.notes:
            self.stderr.write(f"Note: {note}.")
        about = f"the {statement.month} statement of {statement.customer} ({statement.kind})"
        if not check.verified:
            details = "\n".join(f"  {problem}" for problem in check.problems)
            raise CommandError(f"{about} does not verify:\n{details}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{about} verified: {'signature good' if statement.signed_ok else 'no signature'}, "
                f"the ledger still holds its checkpoint "
                f"#{statement.checkpoint['seq']} and its {len(statement.rows)} rows."
            )
        )
