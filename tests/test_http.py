"""The guarded HTTP client against real loopback servers: SSRF (reliability.md S1-S4), fetch hazards
(F1-F5, F8), redirects, 304, status errors and Retry-After."""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import urllib3

import watcher.http
from tests.httpserver import LoopbackServer
from watcher import __version__
from watcher.errors import FetchError, RefusedError
from watcher.http import HttpClient, _address_problem, parse_retry_after

LOCAL = ["127.0.0.1/32"]
KiB = 1024
MiB = 1024 * KiB


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def canary() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def canary6() -> Iterator[LoopbackServer]:
    try:
        running = LoopbackServer("::1")
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here: {error}")
    with running:
        yield running


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every socket.connect() address from now on (the canary's own probe included)."""
    seen: list[object] = []
    real = socket.socket.connect

    def spy(sock: socket.socket, address: Any) -> None:
        seen.append(address)
        real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    return seen


def fake_dns(
    monkeypatch: pytest.MonkeyPatch, name: str, answer: Callable[[int], tuple[str, int]]
) -> list[str]:
    """Resolve `name` to answer(n) on the n-th lookup (from 1); other names as usual."""
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = answer(len(lookups))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def raw_bytes_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of every raw read the client makes from a response body."""
    sizes: list[int] = []
    real = urllib3.HTTPResponse.read

    def read(response: urllib3.HTTPResponse, *args: Any, **kwargs: Any) -> bytes:
        data = real(response, *args, **kwargs)
        sizes.append(len(data))
        return data

    monkeypatch.setattr(urllib3.HTTPResponse, "read", read)
    return sizes


# --- the ordinary path ---------------------------------------------------------------------


def test_get_returns_body_and_sends_identity_headers(server: LoopbackServer) -> None:
    server.routes["/feed"] = (
        200,
        {"Content-Type": "application/rss+xml", "X-Mixed": "a"},
        b"<rss/>",
    )
    response = HttpClient(allow_private=LOCAL).get(server.url("/feed"))
    assert (response.status, response.body, response.url) == (200, b"<rss/>", server.url("/feed"))
    assert response.headers["content-type"] == "application/rss+xml"
    assert response.headers["x-mixed"] == "a"
    assert response.permanent_url is None
    [request] = server.requests
    assert request.headers["user-agent"] == (
        f"watcher/{__version__} (+https://github.com/watcher-news/watcher)"
    )
    assert request.headers["accept-encoding"] == "gzip, deflate"
    assert request.headers["host"] == f"127.0.0.1:{server.port}"


def test_caller_headers_are_sent_but_cannot_change_encoding(server: LoopbackServer) -> None:
    server.routes["/"] = (200, {}, b"ok")
    HttpClient(allow_private=LOCAL).get(
        server.url(), {"Accept": "application/rss+xml", "accept-encoding": "br"}
    )
    [request] = server.requests
    assert request.headers["accept"] == "application/rss+xml"
    assert request.headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, no zlib header
    ],
)
def test_decodes_compressed_bodies(
    server: LoopbackServer, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    text = b"<rss><channel><title>Strike report</title></channel></rss>" * 100
    server.routes["/"] = (200, {"Content-Encoding": encoding}, encode(text))
    assert HttpClient(allow_private=LOCAL).get(server.url()).body == text


def test_unknown_content_encoding_is_an_error(server: LoopbackServer) -> None:
    server.routes["/"] = (200, {"Content-Encoding": "br"}, b"\x0b\x02\x80hello\x03")
    with pytest.raises(FetchError, match="unsupported Content-Encoding 'br'"):
        HttpClient(allow_private=LOCAL).get(server.url())


def test_one_client_serves_many_threads(server: LoopbackServer) -> None:
    for n in range(40):
        server.routes[f"/{n}"] = (200, {}, f"page {n}".encode())
    client = HttpClient(allow_private=LOCAL)
    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(lambda n: client.get(server.url(f"/{n}")).body, range(40)))
    assert bodies == [f"page {n}".encode() for n in range(40)]
    assert len(server.requests) == 40


# --- SSRF ------------------------------------------------------------------------------------

S1_TARGETS = [
    "http://127.0.0.1:{port}/",
    "http://localhost:{port}/",
    "https://127.0.0.1:{port}/",
    "http://127.1:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://0:{port}/",
    "http://[::1]:{port6}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://169.254.169.254:{port}/",
    "http://[::ffff:169.254.169.254]:{port}/",
    "http://100.64.0.1:{port}/",
    "http://10.0.0.1:{port}/",
    "http://192.168.1.1:{port}/",
    "http://[fd00::1]:{port}/",
    "http://[fe80::1%25eth0]:{port}/",
    "http://[64:ff9b::7f00:1]:{port}/",
    "http://[2002:7f00:1::]:{port}/",
    "http://224.0.0.1:{port}/",
    "http://x@127.0.0.1:{port}/",
    "http://127.0.0.1:{port}\\@example.com/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/",
    "http://example.com/\r\nX-Injected: 1",
    "http:///no-host",
    "example.com/feed",
]


@pytest.mark.parametrize("template", S1_TARGETS)
def test_s1_private_and_malformed_targets_refused_before_connecting(
    canary: LoopbackServer, canary6: LoopbackServer, connects: list[object], template: str
) -> None:
    url = template.format(port=canary.port, port6=canary6.port)
    with pytest.raises(RefusedError) as caught:
        HttpClient().get(url)
    assert connects == []
    assert "refused" in caught.value.reason or "cannot resolve" in caught.value.reason
    assert caught.value.transient is False
    assert "\n" not in caught.value.reason
    assert canary.connections() == 0
    assert canary6.connections() == 0


def test_s1_refusal_says_how_to_allow_it(canary: LoopbackServer) -> None:
    with pytest.raises(RefusedError) as caught:
        HttpClient().get(f"http://2130706433:{canary.port}/")
    assert caught.value.reason == (
        "refused: 2130706433 resolves to 127.0.0.1, a loopback address; "
        "add it to allow_private_networks to allow it"
    )


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("[::ffff:10.1.2.3]", "::ffff:a01:203 (10.1.2.3) is a private address"),
        ("[64:ff9b::7f00:1]", "64:ff9b::7f00:1 (127.0.0.1) is a loopback address"),
        ("[2002:a9fe:a9fe::]", "2002:a9fe:a9fe:: (169.254.169.254) is a link-local address"),
        ("100.64.0.1", "100.64.0.1 is a shared (CGNAT) address"),
        ("[ff02::1]", "ff02::1 is a multicast address"),
    ],
)
def test_s1_embedded_ipv4_is_unwrapped_and_named(host: str, said: str) -> None:
    with pytest.raises(RefusedError) as caught:
        HttpClient().get(f"http://{host}/")
    assert caught.value.reason.startswith(f"refused: {said};")


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "64:ff9b::5db8:d822", "::ffff:93.184.216.34", "2606:2800::1"]
)
def test_public_addresses_pass_the_check(address: str) -> None:
    assert _address_problem(address, ipaddress.ip_address(address), ()) is None


def test_s1_canary_does_see_the_same_literals_once_allowed(canary: LoopbackServer) -> None:
    """Control: the refusals above are not a canary that cannot be reached."""
    canary.routes["/"] = (200, {}, b"canary")
    client = HttpClient(allow_private=["127.0.0.0/8"])
    literals = ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "[::ffff:127.0.0.1]"]
    for host in literals:
        assert client.get(f"http://{host}:{canary.port}/").body == b"canary"
    assert canary.connections() == len(literals)


@pytest.mark.parametrize("target_host", ["127.0.0.1", "127.0.0.3"])
def test_s2_redirect_into_private_space_refused_at_the_hop(target_host: str) -> None:
    with LoopbackServer("127.0.0.2") as allowed, LoopbackServer(target_host) as hidden:
        allowed.routes["/go"] = (302, {"Location": hidden.url("/secret")}, b"")
        client = HttpClient(allow_private=["127.0.0.2/32"])
        with pytest.raises(RefusedError) as caught:
            client.get(allowed.url("/go"))
        assert caught.value.reason.startswith(f"redirect to {hidden.url('/secret')}: refused:")
        assert caught.value.url == allowed.url("/go")
        assert hidden.connections() == 0
        assert [r.path for r in allowed.requests] == ["/go"]


def test_s2_control_redirect_followed_when_the_target_is_allowed() -> None:
    with LoopbackServer("127.0.0.2") as first, LoopbackServer("127.0.0.3") as second:
        first.routes["/go"] = (302, {"Location": second.url("/page")}, b"")
        second.routes["/page"] = (200, {}, b"landed")
        client = HttpClient(allow_private=["127.0.0.2/32", "127.0.0.3/32"])
        response = client.get(first.url("/go"))
        assert (response.body, response.url) == (b"landed", second.url("/page"))
        assert second.connections() == 1


def test_s2_redirect_to_another_scheme_refused(server: LoopbackServer) -> None:
    server.routes["/go"] = (301, {"Location": "file:///etc/passwd"}, b"")
    with pytest.raises(RefusedError, match="scheme 'file' is not http or https"):
        HttpClient(allow_private=LOCAL).get(server.url("/go"))


def test_s3_dns_rebinding_cannot_move_the_connection(
    monkeypatch: pytest.MonkeyPatch, canary: LoopbackServer
) -> None:
    """Within one fetch the first lookup gives the allowed server and any later one the canary:
    a client that resolved again to connect would reach the canary."""
    with LoopbackServer("127.0.0.2") as allowed:
        allowed.routes["/"] = (200, {}, b"real")
        lookups = fake_dns(
            monkeypatch,
            "feeds.rebind.test",
            lambda n: ("127.0.0.2", allowed.port) if n == 1 else ("127.0.0.1", canary.port),
        )
        client = HttpClient(allow_private=["127.0.0.2/32"])
        for _ in range(100):
            lookups.clear()
            assert client.get(f"http://feeds.rebind.test:{allowed.port}/").body == b"real"
            assert len(lookups) == 1
        assert canary.connections() == 0
        assert {r.headers["host"] for r in allowed.requests} == {
            f"feeds.rebind.test:{allowed.port}"
        }


def test_s3_a_name_with_one_private_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "mixed.test":
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(RefusedError, match=r"mixed\.test resolves to 10\.1\.2\.3, a private"):
        HttpClient().get("http://mixed.test/")


def test_s4_resolution_failure_fails_closed(
    monkeypatch: pytest.MonkeyPatch, connects: list[object]
) -> None:
    def getaddrinfo(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(RefusedError, match=r"cannot resolve nowhere\.invalid"):
        HttpClient().get("http://nowhere.invalid/feed")
    assert connects == []


def test_allow_private_rejects_a_malformed_network() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        HttpClient(allow_private=["10.0.0.0/33"])


# --- fetch hazards -------------------------------------------------------------------------


def test_f1_gzip_bomb_aborts_at_the_cap(
    monkeypatch: pytest.MonkeyPatch, server: LoopbackServer
) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    bomb = b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()  # 64 MiB
    server.routes["/bomb"] = (200, {"Content-Encoding": "gzip"}, bomb)
    reads = raw_bytes_read(monkeypatch)
    client = HttpClient(allow_private=LOCAL, max_bytes=MiB)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="body larger than the 1048576 byte limit") as caught:
            client.get(server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MiB
    assert sum(reads) <= MiB + 64 * KiB
    assert caught.value.transient is False


def endless(chunked: bool) -> Callable[[BaseHTTPRequestHandler], None]:
    def route(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        if chunked:
            request.send_header("Transfer-Encoding", "chunked")
        request.end_headers()
        block = b"<item>" + b"x" * (64 * KiB - 6)
        framed = b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
        for _ in range(1024):  # 64 MiB at most, so the thread always ends
            request.wfile.write(framed)

    return route


@pytest.mark.parametrize("chunked", [False, True], ids=["until-close", "chunked"])
def test_f2_endless_body_aborts_at_the_cap(
    monkeypatch: pytest.MonkeyPatch, server: LoopbackServer, chunked: bool
) -> None:
    server.routes["/huge"] = endless(chunked)
    reads = raw_bytes_read(monkeypatch)
    with pytest.raises(FetchError, match="body larger than the 1048576 byte limit"):
        HttpClient(allow_private=LOCAL, max_bytes=MiB).get(server.url("/huge"))
    assert sum(reads) <= MiB + 64 * KiB


def test_f2_endless_compressed_body_that_decodes_to_nothing_aborts_at_the_cap(
    monkeypatch: pytest.MonkeyPatch, server: LoopbackServer
) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = packer.compress(b"") + packer.flush(zlib.Z_SYNC_FLUSH)  # gzip header, empty block
    empty_blocks = b"\x00\x00\x00\xff\xff" * (64 * KiB // 5)  # valid deflate, no output

    def route(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Encoding", "gzip")
        request.end_headers()
        request.wfile.write(head)
        for _ in range(1024):  # 64 MiB at most, so the thread always ends
            request.wfile.write(empty_blocks)

    server.routes["/nothing"] = route
    reads = raw_bytes_read(monkeypatch)
    with pytest.raises(FetchError, match="body larger than the 1048576 byte limit"):
        HttpClient(allow_private=LOCAL, max_bytes=MiB).get(server.url("/nothing"))
    assert sum(reads) <= MiB + 64 * KiB


def test_f2_announced_huge_body_refused_before_reading(
    monkeypatch: pytest.MonkeyPatch, server: LoopbackServer
) -> None:
    server.routes["/huge"] = (200, {"Content-Length": str(2**30)}, b"")
    reads = raw_bytes_read(monkeypatch)
    with pytest.raises(FetchError, match=r"5242880 byte limit \(Content-Length 1073741824\)"):
        HttpClient(allow_private=LOCAL).get(server.url("/huge"))
    assert reads == []


def drip(head: bytes, then: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    def route(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(head)
        for byte in then[:40]:  # 8 s at most, so the thread always ends
            request.wfile.write(bytes([byte]))
            request.wfile.flush()
            time.sleep(0.2)

    return route


@pytest.mark.parametrize(
    "route",
    [
        drip(b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n", b"<rss>" * 20),
        drip(b"HTTP/1.0 200 OK\r\n", b"X-Slow: " + b"y" * 100),
    ],
    ids=["body", "headers"],
)
def test_f3_slow_drip_stops_at_the_deadline(
    server: LoopbackServer, route: Callable[[BaseHTTPRequestHandler], None]
) -> None:
    server.routes["/drip"] = route
    client = HttpClient(allow_private=LOCAL, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline of 1 s passed") as caught:
        client.get(server.url("/drip"))
    elapsed = time.monotonic() - started
    # A deadline, not a speed: the lower bound is the point; the upper one only catches a hang.
    assert 0.9 <= elapsed <= 5.0
    assert caught.value.transient is True


# --- keep-alive ------------------------------------------------------------------------------


@pytest.fixture
def keep_alive() -> Iterator[LoopbackServer]:
    with LoopbackServer(keep_alive=True) as running:
        running.routes["/a"] = (200, {}, b"first")
        running.routes["/b"] = (200, {}, b"second")
        yield running


def test_a_second_get_to_the_same_host_reuses_the_connection(
    keep_alive: LoopbackServer, canary: LoopbackServer, request: pytest.FixtureRequest
) -> None:
    client = HttpClient(allow_private=LOCAL)
    request.addfinalizer(client.close)
    assert client.get(keep_alive.url("/a")).body == b"first"
    assert client.get(keep_alive.url("/b")).body == b"second"
    assert keep_alive.connections() == 1
    # Another port of the same address is another server: its own connection.
    canary.routes["/c"] = (200, {}, b"third")
    assert client.get(canary.url("/c")).body == b"third"
    assert canary.connections() == 1 and keep_alive.connections() == 1


def test_a_kept_connection_the_server_closed_is_replaced(keep_alive: LoopbackServer) -> None:
    def answer_then_hang_up(handler: BaseHTTPRequestHandler) -> None:
        # No "Connection: close": the client keeps the connection the server then closes.
        handler.send_response(200)
        handler.send_header("Content-Length", "4")
        handler.end_headers()
        handler.wfile.write(b"once")
        handler.close_connection = True

    keep_alive.routes["/once"] = answer_then_hang_up
    with HttpClient(allow_private=LOCAL) as client:
        assert client.get(keep_alive.url("/once")).body == b"once"
        assert client.get(keep_alive.url("/a")).body == b"first"
    assert [r.path for r in keep_alive.requests] == ["/once", "/a"]
    assert keep_alive.connections() == 2


def test_a_kept_connection_closed_with_no_answer_is_replaced(keep_alive: LoopbackServer) -> None:
    # The server reads the second request on a connection, then closes it without a word: what
    # a server that drops an idle connection just as the request arrives looks like.
    def answer_once_per_connection(handler: BaseHTTPRequestHandler) -> None:
        if getattr(handler, "answered", False):
            handler.close_connection = True
            return
        handler.answered = True  # type: ignore[attr-defined]
        handler.send_response(200)
        handler.send_header("Content-Length", "4")
        handler.end_headers()
        handler.wfile.write(b"once")

    keep_alive.routes["/once"] = answer_once_per_connection
    with HttpClient(allow_private=LOCAL) as client:
        assert client.get(keep_alive.url("/once")).body == b"once"
        assert client.get(keep_alive.url("/once")).body == b"once"
    assert [r.path for r in keep_alive.requests] == ["/once", "/once", "/once"]
    assert keep_alive.connections() == 2


@pytest.mark.parametrize(
    ("route", "kept"),
    [
        ((200, {"Connection": "close"}, b"bye"), False),  # the server says it closes
        ((404, {}, b"not here"), False),  # an error's body is never read
        ((200, {"Content-Length": str(2 * MiB)}, b"x" * 2 * MiB), False),  # over max_bytes
        ((304, {"ETag": '"v1"'}, b""), True),  # nothing to read
    ],
    ids=["connection-close", "error-status", "too-big", "not-modified"],
)
def test_a_connection_is_kept_only_when_its_answer_was_read_to_the_end(
    keep_alive: LoopbackServer, route: tuple[int, dict[str, str], bytes], kept: bool
) -> None:
    keep_alive.routes["/x"] = route
    with HttpClient(allow_private=LOCAL, max_bytes=1 * MiB) as client:
        with contextlib.suppress(FetchError):
            client.get(keep_alive.url("/x"))
        client.get(keep_alive.url("/a"))
    assert keep_alive.connections() == (1 if kept else 2)


def test_the_deadline_holds_on_a_kept_connection(keep_alive: LoopbackServer) -> None:
    keep_alive.routes["/drip"] = drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"x")
    with HttpClient(allow_private=LOCAL, deadline=1.0) as client:
        client.get(keep_alive.url("/a"))
        with pytest.raises(FetchError, match="deadline of 1 s passed"):
            client.get(keep_alive.url("/drip"))
        assert keep_alive.connections() == 1  # the drip came on the kept connection
        assert client.get(keep_alive.url("/b")).body == b"second"  # a dead one is not kept
    assert keep_alive.connections() == 2


def test_a_finished_fetchs_deadline_never_reaches_the_next_fetch_on_its_connection(
    monkeypatch: pytest.MonkeyPatch, keep_alive: LoopbackServer
) -> None:
    # urllib3 gives a connection back to its pool within the read that ends an answer, a moment
    # before the fetch stops its deadline. Fetch A's stop is held back here, as if A's
    # deadline passed in that moment, while the connection goes on to fetch B, whose answer
    # (its length given by the end of the connection) is still coming in when A's deadline
    # passes: A's deadline must not cut B's answer short.
    real_stop = watcher.http._Watchdog.stop
    held: list[object] = []

    def stop(watchdog: watcher.http._Watchdog) -> None:
        if not held:
            held.append(watchdog)  # A's own stop, at the end of A: not done
            return
        real_stop(watchdog)

    monkeypatch.setattr(watcher.http._Watchdog, "stop", stop)

    def late(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.0)  # a slow server: A's deadline falls 1 s after A ends
        handler.send_response(200)
        handler.send_header("Content-Length", "4")
        handler.end_headers()
        handler.wfile.write(b"done")

    def slow_until_closed(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        for _ in range(7):  # 1.4 s, across A's deadline and within B's
            handler.wfile.write(b"0123456789")
            handler.wfile.flush()
            time.sleep(0.2)
        handler.close_connection = True

    keep_alive.routes["/late"] = late
    keep_alive.routes["/slow"] = slow_until_closed
    with HttpClient(allow_private=LOCAL, deadline=2.0) as client:
        assert client.get(keep_alive.url("/late")).body == b"done"
        assert client.get(keep_alive.url("/slow")).body == b"0123456789" * 7
    assert len(held) == 1
    assert keep_alive.connections() == 1  # B came on A's connection


def test_pools_beyond_the_limit_are_closed_least_recently_used_first(
    monkeypatch: pytest.MonkeyPatch, keep_alive: LoopbackServer, canary: LoopbackServer
) -> None:
    monkeypatch.setattr(watcher.http, "POOLS", 1)
    canary.routes["/c"] = (200, {}, b"third")
    with HttpClient(allow_private=LOCAL) as client:
        client.get(keep_alive.url("/a"))
        client.get(keep_alive.url("/b"))  # the same pool: the kept connection
        client.get(canary.url("/c"))  # a second pool: the first is closed
        client.get(keep_alive.url("/a"))
    assert keep_alive.connections() == 2


def test_a_pool_idle_for_idle_seconds_is_closed(
    monkeypatch: pytest.MonkeyPatch, keep_alive: LoopbackServer, canary: LoopbackServer
) -> None:
    monkeypatch.setattr(watcher.http, "IDLE_SECONDS", 0.0)
    canary.routes["/c"] = (200, {}, b"third")
    with HttpClient(allow_private=LOCAL) as client:
        client.get(keep_alive.url("/a"))
        client.get(canary.url("/c"))  # the first pool has been idle: closed with its connection
        assert list(client._pools) == [("http", "127.0.0.1", canary.port)]


def test_a_pool_in_use_is_never_closed(
    monkeypatch: pytest.MonkeyPatch, keep_alive: LoopbackServer, canary: LoopbackServer
) -> None:
    monkeypatch.setattr(watcher.http, "POOLS", 1)
    asked, answer = threading.Event(), threading.Event()

    def held(handler: BaseHTTPRequestHandler) -> None:
        asked.set()
        answer.wait(10)
        handler.send_response(200)
        handler.send_header("Content-Length", "4")
        handler.end_headers()
        handler.wfile.write(b"held")

    keep_alive.routes["/held"] = held
    canary.routes["/c"] = (200, {}, b"third")
    with HttpClient(allow_private=LOCAL) as client, ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.get, keep_alive.url("/held"))
        assert asked.wait(10)
        client.get(canary.url("/c"))  # a second pool, beyond POOLS while the first is in use
        answer.set()
        assert first.result(timeout=10).body == b"held"
        assert client.get(keep_alive.url("/a")).body == b"first"
    assert keep_alive.connections() == 1  # the first pool kept its connection


def test_f4_connect_blackhole_hits_the_connect_timeout(connects: list[object]) -> None:
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        filler.connect(listener.getsockname())  # fills the accept queue; nothing is accepted
        client = HttpClient(allow_private=LOCAL, connect_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(FetchError, match="connect timed out") as caught:
            client.get(f"http://127.0.0.1:{listener.getsockname()[1]}/")
        assert 0.4 <= time.monotonic() - started <= 5.0
        assert caught.value.transient is True
        assert len(connects) == 2  # the filler's, and the client's one attempt


def test_a_refused_connect_is_tried_once(connects: list[object]) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, not listening: connecting is refused
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/"
        with pytest.raises(FetchError, match="cannot connect") as caught:
            HttpClient(allow_private=LOCAL).get(url)
    assert len(connects) == 1
    assert caught.value.transient is True


def test_f5_six_redirects_stop_before_hop_six(server: LoopbackServer) -> None:
    for n in range(6):
        server.routes[f"/hop{n}"] = (302, {"Location": f"/hop{n + 1}"}, b"")
    server.routes["/hop6"] = (200, {}, b"end")
    client = HttpClient(allow_private=LOCAL)
    with pytest.raises(FetchError, match="more than 5 redirects") as caught:
        client.get(server.url("/hop0"))
    assert caught.value.transient is False
    assert [r.path for r in server.requests] == [f"/hop{n}" for n in range(6)]


def test_f5_five_redirects_are_followed(server: LoopbackServer) -> None:
    for n in range(1, 6):
        server.routes[f"/hop{n}"] = (302, {"Location": f"/hop{n + 1}"}, b"")
    server.routes["/hop6"] = (200, {}, b"end")
    response = HttpClient(allow_private=LOCAL).get(server.url("/hop1"))
    assert (response.body, response.url) == (b"end", server.url("/hop6"))
    assert len(server.requests) == 6


def test_f5_redirect_loop_ends_quickly(server: LoopbackServer) -> None:
    server.routes["/a"] = (302, {"Location": server.url("/b")}, b"")
    server.routes["/b"] = (307, {"Location": "/a"}, b"")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        HttpClient(allow_private=LOCAL).get(server.url("/a"))
    assert len(server.requests) == 6


@pytest.mark.parametrize(
    ("statuses", "permanent"),
    [((301,), True), ((301, 308), True), ((301, 302), False), ((307,), False), ((), False)],
)
def test_permanent_url_only_when_every_hop_is_permanent(
    server: LoopbackServer, statuses: tuple[int, ...], permanent: bool
) -> None:
    for n, status in enumerate(statuses):
        server.routes[f"/r{n}"] = (status, {"Location": f"/r{n + 1}"}, b"")
    server.routes[f"/r{len(statuses)}"] = (200, {}, b"<rss/>")
    response = HttpClient(allow_private=LOCAL).get(server.url("/r0"))
    final = server.url(f"/r{len(statuses)}")
    assert response.url == final
    assert response.permanent_url == (final if permanent else None)


def test_304_returns_an_empty_response(server: LoopbackServer) -> None:
    def conditional(request: BaseHTTPRequestHandler) -> None:
        fresh = request.headers.get("If-None-Match") == '"v1"'
        request.send_response(304 if fresh else 200)
        request.send_header("ETag", '"v1"')
        request.end_headers()
        if not fresh:
            request.wfile.write(b"<rss/>")

    server.routes["/feed"] = conditional
    client = HttpClient(allow_private=LOCAL)
    first = client.get(server.url("/feed"))
    second = client.get(server.url("/feed"), {"If-None-Match": first.headers["etag"]})
    assert (first.status, first.body) == (200, b"<rss/>")
    assert (second.status, second.body) == (304, b"")
    assert server.requests[1].headers["if-none-match"] == '"v1"'


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (410, False),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
    ],
)
def test_error_statuses_raise_with_status_and_transience(
    server: LoopbackServer, status: int, transient: bool
) -> None:
    server.routes["/"] = (status, {}, b"no")
    with pytest.raises(FetchError) as caught:
        HttpClient(allow_private=LOCAL).get(server.url())
    assert (caught.value.status, caught.value.transient) == (status, transient)
    assert caught.value.reason.startswith(f"HTTP {status} ")
    assert type(caught.value) is FetchError


def test_410_reads_gone(server: LoopbackServer) -> None:
    server.routes["/"] = (410, {}, b"")
    with pytest.raises(FetchError, match="HTTP 410 Gone"):
        HttpClient(allow_private=LOCAL).get(server.url())


@pytest.mark.parametrize(
    ("status", "value", "low", "high"),
    [
        (503, "600", 600, 600),
        (429, "120", 120, 120),
        (503, "in 120 s", 110, 121),
        (429, "in -3600 s", 0, 0),
        (503, "soon", None, None),
        (503, "-5", None, None),
        (503, None, None, None),
        (500, "600", None, None),
    ],
)
def test_retry_after_from_429_and_503(
    server: LoopbackServer, status: int, value: str | None, low: float | None, high: float | None
) -> None:
    if value and value.startswith("in "):  # an HTTP-date relative to now
        value = email.utils.formatdate(time.time() + float(value.split()[1]), usegmt=True)
    server.routes["/"] = (status, {"Retry-After": value} if value else {}, b"busy")
    with pytest.raises(FetchError) as caught:
        HttpClient(allow_private=LOCAL).get(server.url())
    retry_after = caught.value.retry_after
    if low is None:
        assert retry_after is None
    else:
        assert retry_after is not None
        assert high is not None
        assert low <= retry_after <= high


def test_parse_retry_after_reads_both_forms() -> None:
    assert parse_retry_after(" 30 ") == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("") is None
    assert parse_retry_after("३०") is None  # non-ASCII digits


# --- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for feeds.test, made with the openssl command line."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=feeds.test", "-addext", "subjectAltName=DNS:feeds.test"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[LoopbackServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with LoopbackServer(tls=context) as running:
        running.routes["/"] = (200, {}, b"secure")
        yield running


def test_f8_untrusted_certificate_fails_once_without_retry(tls_server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="TLS certificate not accepted") as caught:
        HttpClient(allow_private=LOCAL).get(tls_server.url())
    assert caught.value.transient is False
    assert tls_server.connections() == 1
    assert tls_server.requests == []


def test_tls_verifies_the_hostname_while_connecting_to_the_pinned_address(
    monkeypatch: pytest.MonkeyPatch, certificate: tuple[Path, Path], tls_server: LoopbackServer
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust our test certificate
    fake_dns(monkeypatch, "feeds.test", lambda n: ("127.0.0.1", tls_server.port))
    client = HttpClient(allow_private=LOCAL)
    assert client.get(tls_server.url(host="feeds.test")).body == b"secure"
    assert tls_server.requests[0].headers["host"] == f"feeds.test:{tls_server.port}"
    with pytest.raises(FetchError, match="TLS certificate not accepted"):
        client.get(tls_server.url())  # https://127.0.0.1: the certificate names feeds.test


def test_a_kept_tls_connection_is_reused_with_its_deadline(
    monkeypatch: pytest.MonkeyPatch, certificate: tuple[Path, Path]
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with LoopbackServer(tls=context, keep_alive=True) as server:
        server.routes["/"] = (200, {}, b"secure")
        server.routes["/drip"] = drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"x")
        fake_dns(monkeypatch, "feeds.test", lambda n: ("127.0.0.1", server.port))
        with HttpClient(allow_private=LOCAL, deadline=1.0) as client:
            assert client.get(server.url(host="feeds.test")).body == b"secure"
            assert client.get(server.url(host="feeds.test")).body == b"secure"
            assert server.connections() == 1
            with pytest.raises(FetchError, match="deadline of 1 s passed"):
                client.get(server.url("/drip", host="feeds.test"))
            assert server.connections() == 1


def test_stray_bytes_after_an_answer_never_begin_the_next_one(keep_alive: LoopbackServer) -> None:
    answered, strayed = threading.Event(), threading.Event()

    def not_modified_then_more(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 304 Not Modified\r\n\r\n")
        handler.wfile.flush()
        answered.wait(10)  # the client has read its answer; these bytes come after it
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nforged!")
        handler.wfile.flush()
        strayed.set()

    keep_alive.routes["/stale"] = not_modified_then_more
    with HttpClient(allow_private=LOCAL) as client:
        assert client.get(keep_alive.url("/stale")).status == 304
        answered.set()
        assert strayed.wait(10)
        assert client.get(keep_alive.url("/a")).body == b"first"
    assert keep_alive.connections() == 2


def test_a_stuck_name_lookup_ends_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def stuck(*args: object, **kwargs: object) -> list[object]:
        release.wait(30)
        raise socket.gaierror("released")

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    try:
        with pytest.raises(FetchError, match="took longer than the deadline") as caught:
            HttpClient(deadline=0.5).get("http://feeds.example.org/rss")
        assert caught.value.transient is True
    finally:
        release.set()
