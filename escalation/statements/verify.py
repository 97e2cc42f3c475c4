"""Verifying a downloaded statement against the ledger as it is now.

First the statement's own signature (a file edited after download fails here); then the whole chain
with the statement's checkpoint (`escalation.sla.integrity.ledger_walk`, the same check as
`verify_ledger --checkpoints`): the chain must still hold the checkpoint's hash at its seq; then each
listed row: the ledger must still hold the row's hash at its seq. A row rewritten after the customer
downloaded the statement is named by its seq and ticket.
"""

from dataclasses import dataclass, field
from datetime import datetime

from escalation.sla.integrity import ledger_walk
from escalation.sla.models import LedgerEntry
from escalation.sla.services.checkpoints import Checkpoint
from escalation.statements.document import StatementFile

CHUNK = 1000


@dataclass
class StatementCheck:
    statement: StatementFile
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.problems


def statement_verify(*, statement: StatementFile, key: str, now: datetime) -> StatementCheck:
    check = StatementCheck(statement=statement)
    if statement.signed_ok is None:
        check.notes.append(
            "the statement is unsigned (no key was configured when it was made): its figures "
            "prove nothing on their own; its hashes are still compared with the ledger"
        )
    elif not statement.signed_ok:
        check.problems.append(
            "its signature does not match: the file was changed after it was made, "
            "or it was signed under another key"
        )
        return check
    checkpoint = Checkpoint(**statement.checkpoint)
    signed_checkpoint = bool(checkpoint.signature) and bool(key)
    walk = ledger_walk(now=now, checkpoints=[checkpoint] if signed_checkpoint else [], checkpoint_key=key)
    check.problems.extend(walk.faults)
    if not signed_checkpoint and checkpoint.seq:
        stored = LedgerEntry.objects.filter(seq=checkpoint.seq).values_list("hash", flat=True).first()
        if stored != checkpoint.hash:
            check.problems.append(
                f"ledger row #{checkpoint.seq}: its hash differs from the statement's "
                "checkpoint (rewritten, or removed)"
            )
    wanted = {seq: (row_hash, ticket) for seq, row_hash, ticket in statement.rows}
    seqs = sorted(wanted)
    stored_hashes: dict[int, str] = {}
    for start in range(0, len(seqs), CHUNK):
        rows = LedgerEntry.objects.filter(seq__in=seqs[start : start + CHUNK]).values_list("seq", "hash")
        stored_hashes.update(rows)
    for seq in seqs:
        row_hash, ticket = wanted[seq]
        found = stored_hashes.get(seq)
        if found is None:
            check.problems.append(
                f"ledger row #{seq} ({ticket}): the statement lists it, the ledger no longer has it (removed)"
            )
        elif found != row_hash:
            check.problems.append(
                f"ledger row #{seq} ({ticket}): rewritten after the statement was made "
                "(its hash in the ledger differs from the statement's)"
            )
    return check
