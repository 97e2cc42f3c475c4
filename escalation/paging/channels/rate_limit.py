"""Twilio's limits per sender number, kept across every worker process and machine.

- At most TWILIO_MESSAGES_PER_SECOND messages (SMS and calls together) a second from one number: the
  shared cache (Redis in production) holds one key per slot of 1 / rate seconds, and a sender takes the
  first free slot with an atomic `add`, then waits for it. An idle number's slot is free: no wait.
- After a 429, nothing leaves that number before its `Retry-After` has passed (`hold`).

A slot (or the end of a hold) further off than TWILIO_RATE_LIMIT_MAX_WAIT_SECONDS (1 s) is not waited for
in the worker, whose slots the escalation steps need: `SenderBusy` says how long, nothing is reserved or
sent, and the task retries later (not counted as an attempt). The clock here is the wall clock
(time.time()), the only one every process shares: this is an edge, like a task.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache

from escalation.paging.channels import SenderBusy


def _slot_key(sender: str, index: int) -> str:
    return f"twilio-slot:{sender}:{index}"


def _hold_key(sender: str) -> str:
    return f"twilio-hold:{sender}"


def hold(sender: str, *, seconds: float, now_timestamp: float) -> None:
    """Twilio said 429: nothing leaves `sender` for `seconds`."""
    until = now_timestamp + seconds
    if until > float(cache.get(_hold_key(sender)) or 0):
        cache.set(_hold_key(sender), until, timeout=math.ceil(seconds) + 60)


def reserve(sender: str, *, now_timestamp: float) -> float:
    """Take `sender`'s next free send slot; the seconds to wait before sending (0 when idle)."""
    rate = settings.TWILIO_MESSAGES_PER_SECOND
    max_wait = settings.TWILIO_RATE_LIMIT_MAX_WAIT_SECONDS
    start = max(now_timestamp, float(cache.get(_hold_key(sender)) or 0))
    if start - now_timestamp > max_wait:
        held = start - now_timestamp
        raise SenderBusy(f"{sender} is held by Twilio for {held:.1f} s more", retry_after=held)
    if rate <= 0:
        return start - now_timestamp  # no limit of our own; Retry-After still holds
    expiry = math.ceil(max_wait + 1 / rate) + 5
    for index in range(math.floor(start * rate), math.floor((now_timestamp + max_wait) * rate) + 1):
        if cache.add(_slot_key(sender, index), 1, timeout=expiry):
            return max(index / rate, start) - now_timestamp
    raise SenderBusy(f"{sender} has no free send slot in the next {max_wait:g} s", retry_after=max_wait)


def wait_for_slot(sender: str) -> None:
    """Block until `sender` may send one message (SenderBusy when that is too far off)."""
    wait = reserve(sender, now_timestamp=time.time())
    if wait > 0:
        time.sleep(wait)
