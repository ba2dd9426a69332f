"""Guarded HTTP GET: a URL in, a Response (final URL, status, headers, decoded body) out; the only
code that opens network connections for feeds and article pages.

Every hop is checked before connecting: http/https only, no credentials or backslashes in the
URL, and the host must resolve to globally routable addresses only (unless inside
``allow_private``). The connection then goes to the address that was checked, never to a second
resolution (DNS rebinding), while the Host header, SNI and certificate check use the hostname.
Any port is allowed: feeds live on many ports, and the address check is what stops SSRF.

Limits: connect timeout, a total deadline enforced by a timer that shuts the socket down
(reliability.md finding 3), a cap on decoded bytes (gzip bombs, endless bodies), at most
``max_redirects`` redirects. TLS is always verified and never retried without verification.

An ``HttpClient`` can be shared by a thread pool. Its connections live in urllib3's connection
pools, one per scheme, host and port, so that an article fetched right after its feed, or
several feeds of one site, skip a connect (and a TLS handshake). The pools' connection class
does the address check above as it connects, and a kept connection is reused only for the same
scheme, host and port, within IDLE_SECONDS, with nothing waiting to be read.
"""

from __future__ import annotations

import contextlib
import email.utils
import heapq
import http.client
import ipaddress
import itertools
import logging
import re
import socket
import ssl
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import urljoin

from urllib3 import (
    BaseHTTPResponse,
    HTTPConnectionPool,
    HTTPSConnectionPool,
    Timeout,
)
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationParseError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util import Retry, parse_url

from watcher import __version__
from watcher.errors import FetchError, RefusedError

log = logging.getLogger(__name__)

USER_AGENT = f"watcher/{__version__} (+https://github.com/watcher-news/watcher)"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_CHUNK = 64 * 1024
# urllib3 neither retries nor follows redirects: get() follows them, checking every hop.
_NO_RETRIES = Retry(total=False, redirect=False)
# Idle connections are reused for this long; pools are kept for this many hosts at most.
IDLE_SECONDS = 10.0
POOLS = 64
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Name lookups, each waited for only until its fetch's deadline; a stuck lookup holds one of
# these threads until the system resolver gives up, never a feed or sender thread.
_RESOLVER = ThreadPoolExecutor(max_workers=8, thread_name_prefix="resolve")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# (family, sockaddr) as getaddrinfo gives them; the sockaddr keeps an IPv6 scope id.
SocketAddress = tuple[int, tuple[Any, ...]]


@dataclass(frozen=True)
class Response:
    url: str  # final URL after redirects
    status: int  # 200..299 or 304 (other statuses raise FetchError)
    headers: Mapping[str, str]  # lower-case names
    body: bytes  # decoded (gzip/deflate undone), at most max_bytes
    permanent_url: str | None  # set when every hop from the request was 301/308


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # without IPv6 brackets: for resolution, SNI and the certificate check
    port: int
    host_header: str
    request_uri: str


@dataclass(frozen=True)
class _Answer:
    status: int
    phrase: str
    headers: Mapping[str, str]
    body: bytes


class HttpClient:
    def __init__(
        self,
        *,
        allow_private: Sequence[str] = (),
        connect_timeout: float = 5.0,
        deadline: float = 15.0,
        max_bytes: int = 5 * 2**20,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
        idle_per_host: int = 4,
    ) -> None:
        """`idle_per_host`: idle connections kept per scheme, host and port, at most as many as
        may be busy there at once. Raises ValueError for a malformed CIDR in allow_private
        (config/settings.py reports it first)."""
        self.allow_private: tuple[Network, ...] = tuple(
            ipaddress.ip_network(cidr, strict=False) for cidr in allow_private
        )
        self.connect_timeout = connect_timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.idle_per_host = idle_per_host
        # urllib3's connection pools, one per scheme, host and port, least recently used first.
        self._pools: OrderedDict[tuple[str, str, int], _Pool] = OrderedDict()
        self._pools_lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Close the kept connections and keep no more: a fetch still running finishes, and
        later fetches work, each on a connection of its own."""
        with self._pools_lock:
            self._closed = True
            idle = [kept for kept in self._pools.values() if not kept.busy]
            self._pools.clear()  # a pool in use is closed when its last fetch ends
        for kept in idle:
            kept.pool.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET url, following redirects; see the module docstring for what is refused."""
        deadline_at = time.monotonic() + self.deadline
        current = url
        permanent = True
        for hop in range(self.max_redirects + 1):
            where = "" if current == url else f"redirect to {current}: "
            target = _parse_target(url, current, where)
            answer = self._exchange(url, target, headers or {}, deadline_at, where)
            if answer.status in _REDIRECTS:
                location = answer.headers.get("location")
                if not location:
                    raise FetchError(
                        url, f"{where}HTTP {answer.status} without a Location", transient=False
                    )
                if hop == self.max_redirects:
                    raise FetchError(
                        url, f"more than {self.max_redirects} redirects", transient=False
                    )
                permanent = permanent and answer.status in _PERMANENT
                current = urljoin(current, location.strip())
                continue
            if answer.status == 304 or 200 <= answer.status < 300:
                return Response(
                    url=current,
                    status=answer.status,
                    headers=answer.headers,
                    body=answer.body,
                    permanent_url=current if permanent and current != url else None,
                )
            raise _status_error(url, answer, where)
        raise AssertionError("unreachable: the loop returns or raises")

    def _take(self, target: _Target) -> _Pool:
        """The pool for the target's scheme, host and port, marked busy until _give_back.
        Pools idle for IDLE_SECONDS, and the least recently used beyond POOLS, are closed here,
        never while a fetch uses them."""
        key = (target.scheme, target.host, target.port)
        moment = time.monotonic()
        closing: list[_Pool] = []
        with self._pools_lock:
            kept = self._pools.get(key)
            if kept is not None:
                self._pools.move_to_end(key)
            else:
                kept = _Pool(key, _new_pool(target, self.idle_per_host))
                if not self._closed:
                    self._pools[key] = kept
            kept.busy += 1
            for other in list(self._pools.values()):
                if other.busy:
                    continue
                if moment - other.used_at <= IDLE_SECONDS and len(self._pools) <= POOLS:
                    break  # the rest were used later still
                del self._pools[other.key]
                closing.append(other)
        for other in closing:
            other.pool.close()
        return kept

    def _give_back(self, kept: _Pool) -> None:
        with self._pools_lock:
            kept.busy -= 1
            kept.used_at = time.monotonic()
            registered = self._pools.get(kept.key) is kept
            if registered:
                self._pools.move_to_end(kept.key)
            done = not kept.busy and not registered  # the client was closed meanwhile
        if done:
            kept.pool.close()

    def _exchange(
        self,
        url: str,
        target: _Target,
        headers: Mapping[str, str],
        deadline_at: float,
        where: str,
    ) -> _Answer:
        """One request and its answer, on a kept connection of the target's pool or on a new
        one to addresses checked as they are connected to (_PinnedHTTPConnection)."""
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            raise FetchError(url, f"{where}deadline of {self.deadline:g} s passed")
        watchdog = _Watchdog(remaining)
        kept = self._take(target)
        response: BaseHTTPResponse | None = None
        finished = False
        try:
            response = self._send(kept.pool, url, target, headers, deadline_at, where, watchdog)
            names = {name.lower(): response.headers[name] for name in response.headers}
            body = b""
            if 200 <= response.status < 300:
                body = _read_body(url, response, names, self.max_bytes, where)
            elif response.status == 304:
                response.read(decode_content=False)  # none by definition: marks the end
            answer = _Answer(response.status, response.reason or "", MappingProxyType(names), body)
            # An answer read to its end has given its connection back to the pool, where it is
            # kept unless the server said it closes it.
            finished = 200 <= response.status < 300 or response.status == 304
        except (OSError, http.client.HTTPException, Urllib3Error) as error:
            if watchdog.expired:
                raise FetchError(url, f"{where}deadline of {self.deadline:g} s passed") from None
            raise _connection_error(url, error, where) from None
        finally:
            watchdog.stop()
            if response is not None:
                if watchdog.expired or not finished:
                    response.close()  # also closes the connection: the pool makes a new one
                response.release_conn()
            self._give_back(kept)
        if watchdog.expired:
            # The shutdown can look like a clean end of a body without a length.
            raise FetchError(url, f"{where}deadline of {self.deadline:g} s passed")
        return answer

    def _send(
        self,
        pool: HTTPConnectionPool,
        url: str,
        target: _Target,
        headers: Mapping[str, str],
        deadline_at: float,
        where: str,
        watchdog: _Watchdog,
    ) -> BaseHTTPResponse:
        """The GET sent and the answer's head read. A kept connection that fails before any
        answer was closed by the server after its last one: the GET is sent again, on the
        pool's next kept connection or a new one."""
        # A plain dict (urllib3 copies what it is given for every request): the caller's names
        # replace ours whatever their case, and Host and Accept-Encoding are ours alone.
        theirs = {name.lower() for name in headers}
        sent = {
            name: value
            for name, value in (("User-Agent", self.user_agent), ("Accept", "*/*"))
            if name.lower() not in theirs
        }
        for name, value in headers.items():
            if name.lower() not in ("host", "accept-encoding"):
                sent[name] = value
        sent["Host"] = target.host_header
        sent["Accept-Encoding"] = "gzip, deflate"
        for tries_left in range(self.idle_per_host, -1, -1):
            remaining = deadline_at - time.monotonic()
            if remaining <= 0:  # a kept connection failed just as the deadline passed
                raise FetchError(url, f"{where}deadline of {self.deadline:g} s passed")
            timeout = Timeout(connect=min(self.connect_timeout, remaining), read=remaining + 1)
            fetch = _Fetch(url, target, where, deadline_at, self.allow_private, watchdog)
            token = _FETCH.set(fetch)
            try:
                return pool.urlopen(
                    "GET",
                    target.request_uri,
                    headers=sent,
                    retries=_NO_RETRIES,
                    redirect=False,
                    assert_same_host=False,
                    timeout=timeout,
                    preload_content=False,
                    decode_content=False,
                    release_conn=False,
                )
            except (OSError, http.client.HTTPException, Urllib3Error):
                if not fetch.reused or watchdog.expired or not tries_left:
                    raise
            finally:
                _FETCH.reset(token)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _new_pool(target: _Target, size: int) -> HTTPConnectionPool:
    # urllib3 takes an IPv6 address (with a zone) only in brackets, which it then removes.
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.scheme == "https":
        return _PinnedHTTPSConnectionPool(
            host, target.port, maxsize=size, cert_reqs="CERT_REQUIRED"
        )
    return _PinnedHTTPConnectionPool(host, target.port, maxsize=size)


def _parse_target(url: str, current: str, where: str) -> _Target:
    if "\\" in current:
        raise RefusedError(url, f"{where}refused: backslash in URL")
    if _CONTROL.search(current):
        raise RefusedError(url, f"{where}refused: control character in URL")
    try:
        parts = parse_url(current)
    except LocationParseError:
        raise RefusedError(url, f"{where}refused: not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise RefusedError(url, f"{where}refused: scheme {parts.scheme!r} is not http or https")
    if parts.auth is not None:
        raise RefusedError(url, f"{where}refused: credentials in the URL (user@host)")
    host = (parts.host or "").strip("[]")
    if not host:
        raise RefusedError(url, f"{where}refused: no host in URL")
    default_port = 443 if parts.scheme == "https" else 80
    port = parts.port or default_port
    host_header = str(parts.host) if port == default_port else f"{parts.host}:{port}"
    return _Target(parts.scheme, host, port, host_header, parts.request_uri)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _address_problem(host: str, ip: IPAddress, allowed: Sequence[Network]) -> str | None:
    """None when ip may be connected to; otherwise why not, in words for the user."""
    inner = ip
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            inner = ip.ipv4_mapped
        elif ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            inner = ip.sixtofour
    if any(address in network for address in (ip, inner) for network in allowed):
        return None
    # An address that embeds an IPv4 one is judged by it alone: all of NAT64 is "reserved"
    # to ipaddress, yet on a DNS64 network every public site has such an address.
    kind = _address_kind(inner)
    if kind is None:
        return None
    shown = str(ip) if inner is ip else f"{ip} ({inner})"
    try:
        literal = ipaddress.ip_address(host) == ip
    except ValueError:
        literal = False
    said = f"{shown} is" if literal else f"{host} resolves to {shown},"
    return f"{said} {kind} address; add it to allow_private_networks to allow it"


def _address_kind(ip: IPAddress) -> str | None:
    if ip.is_loopback:
        return "a loopback"
    if ip.is_unspecified:
        return "an unspecified"
    if ip.is_link_local:
        return "a link-local"
    if ip.is_multicast:
        return "a multicast"
    if ip in _SHARED:
        return "a shared (CGNAT)"
    if ip.is_private:
        return "a private"
    if ip.is_reserved or not ip.is_global:
        return "a reserved"
    return None


class _Watchdog:
    """Shuts the live socket down when the deadline passes: a blocked recv() only wakes for a
    shutdown, not for close() or a per-read timeout (reliability.md finding 3)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self.stopped = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        _DEADLINES.add(time.monotonic() + seconds, self)

    def watch(self, sock: socket.socket) -> None:
        # A duplicate descriptor: shutdown() acts on the connection, and stays valid after
        # TLS wrapping detaches the original socket object. Duplicated by descriptor, because
        # a kept connection's socket is already a TLS one, which refuses dup().
        with self._lock:
            if self.expired:
                raise TimeoutError("deadline passed while connecting")
            if self._socket is not None:  # the connection of an attempt that failed
                self._socket.close()
            self._socket = socket.fromfd(sock.fileno(), sock.family, sock.type)

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            if self._socket is not None:
                self._socket.close()
                self._socket = None

    def expire(self) -> None:
        with self._lock:
            if self.stopped:
                return
            self.expired = True
            if self._socket is not None:
                # OSError: already closed by the peer.
                with contextlib.suppress(OSError):
                    self._socket.shutdown(socket.SHUT_RDWR)


class _Deadlines:
    """One thread keeps every fetch's deadline: a timer thread per request cost more CPU than
    the request itself on an unchanged cycle (bench/README.md)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, at: float, watchdog: _Watchdog) -> None:
        with self._changed:
            heapq.heappush(self._heap, (at, next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="fetch-deadlines", daemon=True
                )
                self._thread.start()
            # Only a new earliest deadline wakes the thread: every fetch has the same budget,
            # so that is rare, and a wake-up per fetch cost a tenth of an unchanged cycle's CPU.
            if self._heap[0][2] is watchdog:
                self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while self._heap and self._heap[0][2].stopped:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._changed.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, due = heapq.heappop(self._heap)
            due.expire()  # outside the condition: expire() takes the watchdog's own lock


_DEADLINES = _Deadlines()


@dataclass
class _Fetch:
    """What setting up a connection needs to know of the attempt it is for."""

    url: str
    target: _Target
    where: str
    deadline_at: float
    allow_private: Sequence[Network]
    watchdog: _Watchdog
    reused: bool = False  # the request went out on a kept connection


# The fetch under way in this thread: urllib3's pool sets connections up inside urlopen().
_FETCH: ContextVar[_Fetch] = ContextVar("watcher_http_fetch")


class _PinnedHTTPConnection(HTTPConnection):
    """Resolves its host and checks every address as it connects, then connects to a checked
    address, never resolving again. The fetch's deadline watches its socket from the first
    byte sent."""

    used_at = 0.0  # when its last request went out
    watchdog: _Watchdog | None = None  # the deadline of the fetch using it, or that last did

    def _new_conn(self) -> socket.socket:
        # The extension point urllib3's own SOCKS connection overrides; errors as urllib3's own.
        fetch = _FETCH.get()
        addresses = _resolve(fetch)
        target = fetch.target
        log.debug(
            "GET %s://%s%s via %s",
            target.scheme,
            target.host_header,
            target.request_uri,
            addresses[0][1][0],
        )
        error: OSError = OSError("no address to connect to")
        for family, sockaddr in addresses:
            if fetch.watchdog.expired:
                break
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(self.timeout)
                sock.connect(sockaddr)
            except OSError as failure:
                sock.close()
                error = failure
                continue
            try:
                self._watched_by(fetch.watchdog, sock)
            except OSError:
                sock.close()
                raise
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(self, f"connection to {self.host} timed out") from error
        raise NewConnectionError(self, str(error)) from error

    def request(self, *args: Any, **kwargs: Any) -> None:
        self.used_at = time.monotonic()
        fetch = _FETCH.get()
        if self.sock is not None and self.watchdog is not fetch.watchdog:  # a kept connection
            fetch.reused = True
            self._watched_by(fetch.watchdog, self.sock)
        super().request(*args, **kwargs)

    def _watched_by(self, watchdog: _Watchdog, sock: socket.socket) -> None:
        # The fetch that used this connection before has read its answer to the end: its
        # deadline must no longer reach the socket, now another fetch's.
        if self.watchdog is not None and self.watchdog is not watchdog:
            self.watchdog.stop()
        self.watchdog = watchdog
        watchdog.watch(sock)

    @property
    def is_connected(self) -> bool:
        """What urllib3's pool asks of a kept connection before reusing it. Not when idle for
        IDLE_SECONDS (the server or a NAT on the way may have dropped it without a word), nor
        with anything to read: the end of the stream (the server closed it) or stray bytes,
        which the next answer would otherwise begin with."""
        sock = self.sock
        if sock is None or time.monotonic() - self.used_at > IDLE_SECONDS:
            return False
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return False  # TLS data already decrypted and waiting
        return bool(super().is_connected)


class _PinnedHTTPSConnection(_PinnedHTTPConnection, HTTPSConnection):
    pass


@dataclass(eq=False)
class _Pool:
    """One of the client's pools, with how many fetches use it now and when one last did."""

    key: tuple[str, str, int]
    pool: HTTPConnectionPool
    busy: int = 0
    used_at: float = 0.0


class _PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


def _resolve(fetch: _Fetch) -> list[SocketAddress]:
    """The target's addresses, each checked; RefusedError if any is not allowed."""
    url, target, where = fetch.url, fetch.target, fetch.where
    # getaddrinfo blocks for as long as the system resolver likes (servers × attempts): wait
    # for it in a helper thread only until the fetch's deadline. An address literal asks no
    # resolver (AI_NUMERICHOST) and is looked up here.
    try:
        if _is_address(target.host):
            infos = socket.getaddrinfo(
                target.host, target.port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
            )
        else:
            infos = _RESOLVER.submit(
                socket.getaddrinfo, target.host, target.port, type=socket.SOCK_STREAM
            ).result(timeout=max(0.0, fetch.deadline_at - time.monotonic()))
    except FuturesTimeout:
        raise FetchError(
            url, f"{where}resolving {target.host} took longer than the deadline"
        ) from None
    except (OSError, UnicodeError) as error:
        raise RefusedError(url, f"{where}cannot resolve {target.host}: {error}") from None
    addresses: list[SocketAddress] = []
    for family, _, _, _, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        problem = _address_problem(target.host, ip, fetch.allow_private)
        if problem:
            # One bad address refuses the host: a name that mixes public and private answers
            # is more likely an attack than a feed.
            raise RefusedError(url, f"{where}refused: {problem}")
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    if not addresses:
        raise RefusedError(url, f"{where}{target.host} has no address")
    return addresses


def _read_body(
    url: str, response: BaseHTTPResponse, headers: Mapping[str, str], max_bytes: int, where: str
) -> bytes:
    """The body with gzip/deflate undone, aborting as soon as it passes max_bytes."""
    too_big = f"{where}body larger than the {max_bytes} byte limit"
    length = headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise FetchError(url, f"{too_big} (Content-Length {length})", transient=False)
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise FetchError(url, f"{where}unsupported Content-Encoding {encoding!r}", transient=False)
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}.get(encoding, 0)
    if encoding == "deflate":
        wbits = zlib.MAX_WBITS
    # Our own decompressor with max_length: urllib3 before 2.6 inflated a whole chunk at once.
    decoder = zlib.decompressobj(wbits) if wbits else None
    body = bytearray()
    raw = 0
    while chunk := response.read(_CHUNK, decode_content=False):
        raw += len(chunk)
        # Raw bytes are capped too: a compressed stream can also produce nothing forever.
        if raw > max_bytes:
            raise FetchError(url, too_big, transient=False)
        if decoder is None:
            body += chunk
        else:
            try:
                _inflate(decoder, chunk, body, max_bytes)
            except zlib.error as error:
                if encoding != "deflate" or raw != len(chunk):
                    raise FetchError(url, f"{where}corrupt {encoding} body: {error}") from None
                # Many servers send "deflate" without the zlib header.
                decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                body.clear()
                _inflate(decoder, chunk, body, max_bytes)
        if len(body) > max_bytes:
            raise FetchError(url, too_big, transient=False)
    if decoder is not None:
        body += decoder.flush()
        if len(body) > max_bytes:
            raise FetchError(url, too_big, transient=False)
    return bytes(body)


def _inflate(decoder: Any, chunk: bytes, body: bytearray, max_bytes: int) -> None:
    """Decompress `chunk` onto `body` in steps of at most _CHUNK bytes, stopping once `body`
    passes max_bytes: one unbounded step would hold a second copy of up to max_bytes (a gzip
    bomb then cost the daemon about 20 MB of resident memory instead of about 6)."""
    data = chunk
    while data and len(body) <= max_bytes:
        body += decoder.decompress(data, _CHUNK)
        data = decoder.unconsumed_tail


def _status_error(url: str, answer: _Answer, where: str) -> FetchError:
    retry_after = None
    if answer.status in (429, 503):
        retry_after = parse_retry_after(answer.headers.get("retry-after"))
    return FetchError(
        url,
        f"{where}HTTP {answer.status} {answer.phrase}".rstrip(),
        status=answer.status,
        retry_after=retry_after,
        transient=answer.status >= 500 or answer.status in (408, 425, 429),
    )


def _connection_error(url: str, error: Exception, where: str) -> FetchError:
    cause = error.args[0] if isinstance(error, Urllib3SSLError) and error.args else error
    if isinstance(cause, ssl.SSLCertVerificationError):
        return FetchError(
            url, f"{where}TLS certificate not accepted: {cause.verify_message}", transient=False
        )
    if isinstance(cause, ssl.SSLError):
        return FetchError(url, f"{where}TLS failed: {cause.reason or cause}")
    if isinstance(error, NewConnectionError):
        return FetchError(url, f"{where}cannot connect: {error.__cause__ or error}")
    if isinstance(error, ConnectTimeoutError):
        return FetchError(url, f"{where}connect timed out")
    if isinstance(error, (ReadTimeoutError, TimeoutError)):
        return FetchError(url, f"{where}read timed out")
    if isinstance(error, ProtocolError) and len(error.args) > 1:
        error = error.args[1]  # urllib3's "Connection aborted." around what happened
    return FetchError(url, f"{where}connection failed: {error!r}")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds or an HTTP-date); None if absent
    or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP-dates are GMT
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
