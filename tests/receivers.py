"""Loopback receivers for tests: a Slack-webhook-like HTTP server and an SMTP server, recording.

Use them as context managers, or wrap them in a fixture:

    with slack_receiver() as slack:
        slack.replies.append(Reply(status=429, headers={"Retry-After": "120"}))
        ...                                  # point NotifySlack.webhook_url at slack.webhook_url
        assert slack.wait_for(1)
        slack.payloads[0]["attachments"][0]["text"]

    with smtp_receiver() as smtp:
        ...                                  # mailto://127.0.0.1:{smtp.port}?from=...&to=...
        assert smtp.wait_for(1)
        smtp.messages[0]["Subject"]
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class Reply:
    """What the HTTP receiver answers to one request."""

    status: int = 200
    body: bytes = b"ok"  # Slack webhooks answer the text "ok"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds to hold the answer; cut short when the receiver closes


@dataclass
class HttpReceiver:
    """A running HTTP receiver: what it recorded and what it will answer."""

    port: int
    default: Reply = field(default_factory=Reply)
    replies: list[Reply] = field(default_factory=list)  # used first, in order, then `default`
    payloads: list[object] = field(default_factory=list)  # decoded JSON bodies
    paths: list[str] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        """The value for `NotifySlack.webhook_url`: slack://A/B/C posts to <this>/A/B/C."""
        return f"{self.base_url}/services"

    def answer(self, reply: Reply) -> None:
        """Answer every later request with `reply`."""
        self.default = reply

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Block until `count` requests have arrived; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.paths) >= count, timeout)

    def _record(self, path: str, body: bytes) -> Reply:
        with self._arrived:
            try:
                self.payloads.append(json.loads(body))
            except ValueError:
                self.payloads.append(body.decode("utf-8", "replace"))
            self.paths.append(path)
            self._arrived.notify_all()
            return self.replies.pop(0) if self.replies else self.default


def _handler_for(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10.0  # a client that connects and says nothing cannot hold the receiver open

        def do_POST(self) -> None:
            self.close_connection = True  # one request per connection: nothing left to join
            length = int(self.headers.get("Content-Length") or 0)
            reply = receiver._record(self.path, self.rfile.read(length))
            if reply.delay and receiver.released.wait(reply.delay):
                return  # the test is over: drop the connection unanswered
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler


@contextmanager
def slack_receiver() -> Iterator[HttpReceiver]:
    """An HTTP receiver on 127.0.0.1 that records POSTed JSON and answers as told."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = False  # so that server_close() joins every request thread
    receiver = HttpReceiver(port=server.server_address[1])
    server.RequestHandlerClass = _handler_for(receiver)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-receiver"
    )
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()  # wake handlers held in a delay
        server.shutdown()
        server.server_close()  # joins the request threads (block_on_close)
        thread.join()


@dataclass
class SmtpReceiver:
    """A running SMTP server: the messages it accepted, parsed."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (from, rcpt_tos)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
        with self._arrived:
            self.envelopes.append((str(envelope.mail_from), tuple(envelope.rcpt_tos)))
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A port free on 127.0.0.1 now (aiosmtpd cannot bind port 0 itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


R = TypeVar("R", bound=SmtpReceiver)


@contextmanager
def smtp_receiver(kind: type[R] = SmtpReceiver) -> Iterator[R]:  # type: ignore[assignment]
    """An in-process SMTP server on 127.0.0.1 (no TLS, no auth) that records every message;
    `kind` may be a subclass that answers otherwise."""
    receiver = kind(port=free_port())
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@contextmanager
def refusing_smtp_receiver() -> Iterator[tuple[SmtpReceiver, Callable[[], None]]]:
    """An SMTP receiver whose port refuses connections until the `start` it comes with is
    called: a mail server that is down, then comes back."""
    receiver = SmtpReceiver(port=free_port())
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    started: list[bool] = []

    def start() -> None:
        controller.start()
        started.append(True)

    try:
        yield receiver, start
    finally:
        if started:
            controller.stop()
        else:
            # A receiver never started still made its event loop, which would be left open.
            controller.loop.close()
