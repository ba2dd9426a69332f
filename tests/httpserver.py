"""A loopback HTTP(S) server for tests: routes in, a log of requests and connections out.

    with LoopbackServer() as server:               # 127.0.0.1, a free port
        server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, b"<rss/>")
        server.routes["/drip"] = drip_function     # called with the request handler: write raw
        client.get(server.url("/feed"))
        assert [r.path for r in server.requests] == ["/feed"]
        assert server.connections() == 1           # waits until every earlier connect is accepted

Bind to other loopback addresses with ``LoopbackServer("127.0.0.2")`` (all of 127/8 is loopback
on Linux) or ``LoopbackServer("::1")``; pass ``tls=`` a server-side SSLContext for HTTPS.
A route is looked up by the full path with query first, then by the path alone; unknown
paths get a 404. Each connection serves one request and is then closed (HTTP/1.0), unless
``keep_alive=True``: then it answers HTTP/1.1 and serves requests until the client closes it or a
route sets ``handler.close_connection``.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Reply = tuple[int, Mapping[str, str], bytes]
Route = Reply | Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 drops SYNs from a busy thread pool for 1 s
    owner: LoopbackServer

    def get_request(self) -> tuple[Any, Any]:
        request, peer = super().get_request()
        self.owner._accepted(peer)
        return request, peer

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.owner.tls is not None:
            try:
                request = self.owner.tls.wrap_socket(request, server_side=True)
            except OSError:
                request.close()
                return
            # The server only closes the raw socket, which wrapping has detached.
            with request:
                super().finish_request(request, client_address)
            return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-response is what many tests do on purpose


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Responder(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        owner = self.server.owner
        headers = {name.lower(): value for name, value in self.headers.items()}
        owner._log(LoggedRequest(self.command, self.path, headers))
        route = owner.routes.get(self.path) or owner.routes.get(self.path.partition("?")[0])
        if route is None:
            route = (404, {}, b"not found")
        if callable(route):
            route(self)
            return
        status, reply_headers, body = route
        self.send_response(status)
        for name, value in reply_headers.items():
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name in reply_headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _KeepAliveResponder(_Responder):
    protocol_version = "HTTP/1.1"


class LoopbackServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        tls: ssl.SSLContext | None = None,
        keep_alive: bool = False,
    ) -> None:
        self.host = host
        self.tls = tls
        self.routes: dict[str, Route] = {}
        self.requests: list[LoggedRequest] = []
        self._peers: list[Any] = []
        self._probes: set[Any] = set()
        self._changed = threading.Condition()
        responder = _KeepAliveResponder if keep_alive else _Responder
        self._server = (_Server6 if ":" in host else _Server)((host, 0), responder)
        self._server.owner = self
        self.port: int = self._server.server_address[1]
        # A short poll interval keeps close() (which waits for the serving loop) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        """http(s)://host:port/path; host defaults to the bound address."""
        scheme = "https" if self.tls is not None else "http"
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{scheme}://{name}:{self.port}{path}"

    def connections(self) -> int:
        """TCP connections accepted so far, after every connection already made has been
        accepted: a probe connects last and is waited for (the accept queue is FIFO)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.connect((self.host, self.port))
            me = probe.getsockname()[:2]
            with self._changed:
                self._probes.add(me)
                accepted = self._changed.wait_for(lambda: me in self._peers, timeout=10)
                assert accepted, "the loopback server did not accept the probe connection"
                return sum(1 for peer in self._peers if peer not in self._probes)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _accepted(self, peer: Any) -> None:
        with self._changed:
            self._peers.append(tuple(peer[:2]))
            self._changed.notify_all()

    def _log(self, request: LoggedRequest) -> None:
        with self._changed:
            self.requests.append(request)
