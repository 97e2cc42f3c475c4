"""Signed checkpoints of the SLA ledger's chain head, published outside the database.

The hash chain alone has no secret: whoever can write to the database can rewrite a row and recompute
every later hash and the head, and the chain verifies. A checkpoint is the head (`seq`, `hash`) at a
time (`at`), signed with HMAC-SHA256 under LEDGER_CHECKPOINT_KEY, a key the database never holds, and
appended to LEDGER_CHECKPOINT_SINK: a file (JSON lines, append mode, fsync'd) or an http(s) URL (a POST
of the JSON). `verify_ledger --checkpoints FILE` then checks the chain against the published copies:
a rewrite before a checkpoint changes the hash at its `seq`, a truncation removes its row.
"""

import hashlib
import hmac
import json
import os
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from escalation.sla.models import LedgerEntry, LedgerHead
from escalation.sla.services.ledger import GENESIS_HASH, ChainFault

SINK_TIMEOUT_SECONDS = 10


class CheckpointError(Exception):
    """A checkpoint could not be signed, read or published."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # UTC ISO 8601
    signature: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "hash": self.hash, "at": self.at, "signature": self.signature}


def checkpoint_signature(*, seq: int, hash: str, at: str, key: str) -> str:
    """HMAC-SHA256 (hex) over the canonical JSON of seq, head hash and time."""
    message = json.dumps({"at": at, "hash": hash, "seq": seq}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def checkpoint_signed(checkpoint: Checkpoint, *, key: str) -> bool:
    expected = checkpoint_signature(seq=checkpoint.seq, hash=checkpoint.hash, at=checkpoint.at, key=key)
    return hmac.compare_digest(expected, checkpoint.signature)


def checkpoint_key() -> str:
    return settings.LEDGER_CHECKPOINT_KEY or ""


def checkpoint_take(*, now: datetime, key: str) -> Checkpoint:
    """Sign the chain head as it is committed now; without a key, the head unsigned (`signature` "")."""
    head = LedgerHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, GENESIS_HASH)
    at = now.astimezone(UTC).isoformat()
    seq, head_hash = head
    signature = checkpoint_signature(seq=seq, hash=head_hash, at=at, key=key) if key else ""
    return Checkpoint(seq=seq, hash=head_hash, at=at, signature=signature)


def checkpoint_publish(checkpoint: Checkpoint, *, sink: str) -> None:
    """Append one checkpoint to the sink: a JSON line to a file (fsync'd), or a POST to an http(s) URL."""
    line = json.dumps(checkpoint.as_dict(), sort_keys=True)
    if sink.startswith(("http://", "https://")):
        request = urllib.request.Request(  # noqa: S310 (the scheme is http or https, checked above)
            sink, data=line.encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=SINK_TIMEOUT_SECONDS) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise CheckpointError(f"the checkpoint sink answered {response.status}")
        except OSError as exc:
            raise CheckpointError(f"the checkpoint sink refused the checkpoint: {exc}") from exc
        return
    with open(sink, "a", encoding="utf-8") as sink_file:
        sink_file.write(line + "\n")
        sink_file.flush()
        os.fsync(sink_file.fileno())


def ledger_checkpoint(*, now: datetime) -> Checkpoint | None:
    """Sign the chain head and publish it to LEDGER_CHECKPOINT_SINK; None (nothing written) when the key
    or the sink is not configured (`manage.py check --deploy` warns). Raises CheckpointError when the sink
    does not take it."""
    key, sink = checkpoint_key(), settings.LEDGER_CHECKPOINT_SINK
    if not key or not sink:
        return None
    checkpoint = checkpoint_take(now=now, key=key)
    checkpoint_publish(checkpoint, sink=sink)
    return checkpoint


def checkpoints_read(path: str | Path) -> list[Checkpoint]:
    """The checkpoints of a JSON-lines file, in file order; a malformed line is an error naming it."""
    checkpoints = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            checkpoints.append(
                Checkpoint(
                    seq=int(data["seq"]),
                    hash=str(data["hash"]),
                    at=str(data["at"]),
                    signature=str(data["signature"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"{path}, line {number}: not a checkpoint ({exc})") from exc
    return checkpoints


def ledger_verify_checkpoints(
    *, checkpoints: Iterable[Checkpoint], key: str, chunk_size: int = 1000
) -> Iterator[ChainFault]:
    """Check each checkpoint's signature, then that the chain's row at each checkpoint's `seq` has
    exactly its hash, in `seq` order; yield a fault for each that does not.

    Meant to run after `ledger_verify` found the chain consistent (every stored hash recomputed from the
    start): the stored hash at a seq is then the chain's. A mismatch means a row at or before that seq
    was rewritten since the last checkpoint that still matches: the fault names the row and that range.
    A checkpoint whose seq is past the chain's end means rows were removed (a truncated, reset ledger).
    """
    signed = []
    for checkpoint in checkpoints:
        if checkpoint_signed(checkpoint, key=key):
            signed.append(checkpoint)
        else:
            yield ChainFault(checkpoint.seq, None, f"the checkpoint of {checkpoint.at} has a bad signature")
    signed.sort(key=lambda c: c.seq)
    stored: dict[int, tuple[int, str]] = {}
    seqs = sorted({c.seq for c in signed if c.seq > 0})
    for start in range(0, len(seqs), chunk_size):
        rows = LedgerEntry.objects.filter(seq__in=seqs[start : start + chunk_size])
        stored.update({seq: (pk, row_hash) for seq, pk, row_hash in rows.values_list("seq", "pk", "hash")})
    last_good = 0
    for checkpoint in signed:
        if checkpoint.seq == 0:
            continue  # the empty ledger: nothing to hold
        row = stored.get(checkpoint.seq)
        if row is None:
            yield ChainFault(
                checkpoint.seq,
                None,
                f"row missing: the checkpoint of {checkpoint.at} signed it, the chain no longer has it "
                "(rows removed or the ledger reset)",
            )
        elif row[1] != checkpoint.hash:
            yield ChainFault(
                checkpoint.seq,
                row[0],
                f"its hash differs from the checkpoint of {checkpoint.at}: a row from #{last_good + 1} "
                f"to #{checkpoint.seq} was rewritten and the later hashes recomputed",
            )
        else:
            last_good = checkpoint.seq
