"""Mail in tests: a real SMTP server on loopback (aiosmtpd) that records what it accepts and can refuse on
cue, and the worker's send step run in-process for tests that need no worker."""

import socket
import threading
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tickets.models import RequesterNotification
from tickets.notifications import requester_notification_send

DESK = "support@desk.example"  # the desk's address in the mail tests (From, Reply-To)


def deliver_requester_mail(*, now: datetime) -> list[str]:
    """What the worker does with every queued requester notification, here and now; their outcomes."""
    queued = RequesterNotification.objects.filter(status=RequesterNotification.Status.QUEUED)
    ids = list(queued.order_by("pk").values_list("pk", flat=True))
    return [requester_notification_send(notification_id=pk, now=now) for pk in ids]


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


class _Recorder:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse_next = 0  # answer the next DATA commands with `refusal`
        self.refusal = "451 4.3.0 Try again later"
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.refuse_next:
                self.refuse_next -= 1
                return self.refusal
            message = message_from_bytes(envelope.original_content, policy=policy.default)
            self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """`with SmtpServer() as smtp:` a real SMTP server on 127.0.0.1:`smtp.port`."""

    def __init__(self) -> None:
        self.recorder = _Recorder()
        self.port = _free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        with self.recorder.lock:
            return list(self.recorder.received)

    def refuse_next(self, count: int, answer: str = "451 4.3.0 Try again later") -> None:
        with self.recorder.lock:
            self.recorder.refuse_next, self.recorder.refusal = count, answer

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
