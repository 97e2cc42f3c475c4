from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalation.sla.integrity import ledger_walk
from escalation.sla.services.checkpoints import Checkpoint, CheckpointError, checkpoint_key, checkpoints_read
from escalation.statements.document import StatementFileError, is_statement_json, statement_read


def _checkpoints_in(path: str, key: str) -> list[Checkpoint]:
    """The checkpoints of a JSON-lines file, or the one a statement's JSON carries."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc}") from exc
    if is_statement_json(data.decode("utf-8", "replace")):
        statement = statement_read(data, key=key)
        if statement.signed_ok is False:
            raise StatementFileError(
                f"{path}: the statement's signature does not match (changed after it was made)"
            )
        return [Checkpoint(**statement.checkpoint)]
    return checkpoints_read(path)


class Command(BaseCommand):
    help = (
        "Verify the SLA ledger's hash chain: every row's hash matches its contents and links to the row "
        "before it, with no gaps. With --checkpoints FILE "
        "(the JSON lines published to LEDGER_CHECKPOINT_SINK, or a customer's statement JSON), "
        "also every checkpoint's signature (LEDGER_CHECKPOINT_KEY) and that the chain still has each one's "
        "hash at its seq. Exits non-zero naming the first bad row."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="A JSON-lines file of signed checkpoints, as published outside the database, or a "
            "customer's statement JSON (its checkpoint).",
        )

    def handle(self, *args, **options) -> None:
        checkpoints = []
        if options["checkpoints"]:
            key = checkpoint_key()
            if not key:
                raise CommandError("LEDGER_CHECKPOINT_KEY is not set: the checkpoints cannot be checked.")
            try:
                checkpoints = _checkpoints_in(options["checkpoints"], key)  # before the walk's snapshot
            except (CheckpointError, StatementFileError) as exc:
                raise CommandError(str(exc)) from exc
            if not checkpoints:
                raise CommandError(f"{options['checkpoints']} holds no checkpoint.")
        # One snapshot for the walk and the head it ends on, as the report page's check.
        result = ledger_walk(now=timezone.now(), checkpoints=checkpoints, checkpoint_key=checkpoint_key())
        if result.faults:
            raise CommandError(f"SLA ledger chain is broken at {result.faults[0]}")
        against = f", and matches {len(checkpoints)} signed checkpoints" if checkpoints else ""
        message = f"SLA ledger verified: {result.rows} rows, chain intact{against}."
        self.stdout.write(self.style.SUCCESS(message))
