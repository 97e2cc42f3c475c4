"""A loopback HTTP server that stands in for Twilio's REST API: the real `twilio` client talks to it.

It records every request (path, form fields, when it arrived, and the status and SID it answered) and
answers as told: created (201 with a SID), an error status with Twilio's error body, a 429 with a
`Retry-After` header (`("429", seconds)`), or a hang longer than the client's timeout.

Used by the tests (the `twilio` fixture, the fault suite) and by the mass-breach benchmark.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import parse_qs

# Credentials the real client sends to the loopback server (Twilio's own test-credential format).
CREDENTIALS = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "test-auth-token",
    "TWILIO_FROM_NUMBER": "+15005550006",
}


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    auth: str
    at: float = 0.0  # time.time() when it arrived
    status: int = 0  # what it was answered (0 while answering, or when the client went away first)
    sid: str = ""  # the SID created, when it was answered 201
    retry_after: str = ""  # the Retry-After header of a 429


@dataclass
class FakeTwilio:
    """`answers` is consumed one per request (then `default`): "ok", an HTTP status int, "hang", or
    `(429, seconds)`: too many requests, retry after that many seconds (a `Retry-After` header)."""

    answers: list = field(default_factory=list)
    default: object = "ok"
    by_recipient: dict = field(default_factory=dict)  # "To" number -> answer, before `answers`
    hang_seconds: float = 3.0
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sids: count = field(default_factory=lambda: count(1))

    def next_answer(self, to: str | None = None):
        with self.lock:
            if to in self.by_recipient:
                return self.by_recipient[to]
            return self.answers.pop(0) if self.answers else self.default

    def sms(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/Calls.json")]

    def to(self, number: str) -> list[Recorded]:
        return [r for r in self.requests if r.form.get("To") == number]


def _handler(fake: FakeTwilio):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            recorded = Recorded("POST", self.path, form, self.headers.get("Authorization", ""), time.time())
            with fake.lock:
                fake.requests.append(recorded)
            answer = fake.next_answer(form.get("To"))
            if answer == "hang":
                time.sleep(fake.hang_seconds)
                answer = 503
            if isinstance(answer, tuple):  # (429, Retry-After seconds)
                status, retry_after = answer
                recorded.status, recorded.retry_after = int(status), str(retry_after)
                payload = {"code": 20429, "message": "Too Many Requests", "status": status}
                self._json(int(status), payload, headers={"Retry-After": str(retry_after)})
            elif answer == "ok":
                prefix = "CA" if self.path.endswith("/Calls.json") else "SM"
                with fake.lock:
                    recorded.sid = f"{prefix}{next(fake.sids):032x}"
                recorded.status = 201
                self._json(
                    201,
                    {"sid": recorded.sid, "status": "queued", "to": form.get("To"), "from": form.get("From")},
                )
            else:
                recorded.status = int(answer)
                self._json(
                    int(answer),
                    {"code": 20000 + int(answer), "message": f"simulated {answer}", "status": answer},
                )

        def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and went away

    return Handler


class TwilioServer:
    def __init__(self) -> None:
        self.fake = FakeTwilio()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "TwilioServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
