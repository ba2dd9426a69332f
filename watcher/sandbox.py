"""A small pool of long-lived worker processes that run parse jobs under limits.

In: a job named ``"module:function"`` with picklable arguments, a wall-clock budget in seconds
and a memory budget in bytes. Out: the function's return value, which must be plain data
(str, bytes, numbers, None, tuples, lists, dicts, datetimes): anything else in a reply is
refused, so that a worker cannot hand the daemon an object to run. A job that raises, runs out
of time or memory, or kills its worker raises the caller's error class with the reason.

I/O: starts ``sys.executable`` as a fresh interpreter per worker (never a fork of this threaded
process), with only three pipes open, in its own session. Each job is one pickle written to the
worker and one pickle read back. The parent enforces the wall clock: a job past its deadline
has its worker killed and replaced. In the worker, the job runs under RLIMIT_AS (its current
address space plus the budget) and RLIMIT_CPU (a backstop should the parent be gone).

Workers start on first use and live until `close`, which also runs at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import io
import logging
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from watcher.errors import WatcherError

log = logging.getLogger(__name__)

MAX_WORKERS = 4
START_TIMEOUT = 30.0
# A worker is replaced after this many jobs, so that lxml's and feedparser's caches and the
# allocator's fragmentation cannot grow without bound in a process that lives for weeks.
JOBS_PER_WORKER = 1000
# ... or once it holds this much memory after a job: lxml's caches and freed-but-kept arenas
# took a worker to 89 MiB over the 181 corpus pages, against 25 MiB after feed parses only.
WORKER_RSS_MAX = 128 * 2**20
_HEADER = struct.Struct("!Q")
# Plain data only: these are the only classes a reply may name (datetimes of feed items).
_ALLOWED_CLASSES = frozenset(
    {("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")}
)


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_CLASSES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"a worker reply may not contain {module}.{name}")


class _Worker:
    """One worker process and its two pipes, used by one job at a time."""

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        bootstrap = (
            f"import sys; sys.path[:] = {sys.path!r}; from watcher.sandbox import _serve; "
            f"_serve({preload!r})"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", bootstrap],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            close_fds=True,
            start_new_session=True,  # the terminal's Ctrl-C and job control are the parent's
        )
        self.jobs = 0
        assert self.process.stdin is not None and self.process.stdout is not None
        self._requests = self.process.stdin
        self._replies = self.process.stdout.fileno()
        try:
            ready = self._read(time.monotonic() + START_TIMEOUT)
        except _Gone as gone:
            self.kill()
            reason = gone.reason or f"no greeting within {START_TIMEOUT:g} s"
            raise WatcherError(f"parse worker did not start: {reason}") from None
        if ready != ("ready",):
            self.kill()
            raise WatcherError("parse worker did not start: unexpected greeting")

    @property
    def pid(self) -> int:
        return self.process.pid

    def run(self, job: str, args: tuple[Any, ...], timeout: float, memory: int) -> Any:
        """The job's reply: (outcome "ok" or "error", value or reason, retire, reason is the job's
        own words). Raises _Gone."""
        request = pickle.dumps((job, args, timeout, memory), pickle.HIGHEST_PROTOCOL)
        deadline = time.monotonic() + timeout
        try:
            _write_all(self._requests.fileno(), _HEADER.pack(len(request)) + request)
        except OSError as error:
            raise _Gone(self._describe(f"could not be sent the job: {error}")) from None
        self.jobs += 1
        return self._read(deadline)

    def _read(self, deadline: float) -> Any:
        header = self._read_exactly(_HEADER.size, deadline)
        data = self._read_exactly(_HEADER.unpack(header)[0], deadline)
        try:
            return _PlainUnpickler(io.BytesIO(data)).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as error:
            raise _Gone(f"sent an unreadable reply: {error}") from None

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while size > 0:
            remaining = deadline - time.monotonic()
            ready = select.select([self._replies], [], [], remaining)[0] if remaining > 0 else []
            if not ready:
                raise _Gone(None)
            chunk = os.read(self._replies, min(size, 1 << 20))
            if not chunk:
                raise _Gone(self._describe("died"))
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _describe(self, what: str) -> str:
        try:
            status = self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return f"worker {what}"
        if status < 0:
            return f"worker {what} (signal {signal.Signals(-status).name})"
        return f"worker {what} (exit status {status})"

    def stop(self) -> None:
        """Ask the worker to exit (end of its input), then make sure it has."""
        with contextlib.suppress(OSError):
            self._requests.close()
        try:
            self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_replies()

    def kill(self) -> None:
        self.process.kill()  # a no-op once the process has been reaped
        self.process.wait()
        with contextlib.suppress(OSError):
            self._requests.close()
        self._close_replies()

    def _close_replies(self) -> None:
        assert self.process.stdout is not None
        self.process.stdout.close()


class _Gone(Exception):
    """The worker is unusable: killed at its deadline (reason None) or dead (the reason)."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason)
        self.reason = reason


class Pool:
    """At most `size` workers, each running one job at a time; callers wait for a free one."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or max(1, min(MAX_WORKERS, os.cpu_count() or 1))
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._starting = 0
        self._closed = False
        self._preload: tuple[str, ...] = ()
        self._changed = threading.Condition()

    def run(
        self,
        job: str,
        args: tuple[Any, ...],
        *,
        timeout: float,
        memory: int,
        error: type[Exception],
        label: str,
    ) -> Any:
        """Run `job(*args)` in a worker and return its result, or raise `error(reason)`.

        The wall clock starts when the job is handed to a worker, not while it waits for one.
        """
        worker = self._acquire(error, label)
        keep = False
        try:
            reply = worker.run(job, args, timeout, memory)
            keep = not reply[2]
        except _Gone as gone:
            if gone.reason is None:
                raise error(f"{label} killed after {timeout:g} s wall clock") from None
            raise error(f"{label} failed: {gone.reason}") from None
        finally:
            self._release(worker, keep and worker.jobs < JOBS_PER_WORKER)
        if reply[0] != "ok":
            _, reason, _, own = reply
            raise error(reason if own else f"{label} {reason}")
        return reply[1]

    def close(self) -> None:
        """Stop every worker, busy ones included (their jobs fail); later jobs are refused."""
        with self._changed:
            self._closed = True
            idle = list(self._idle)
            busy = [worker for worker in self._all if worker not in idle]
            self._all.clear()
            self._idle.clear()
            self._changed.notify_all()
        for worker in idle:
            worker.stop()
        # A busy worker's pipes belong to the thread waiting on it, which sees the worker die
        # and cleans up (`_release`): closing them here could close a reused descriptor.
        for worker in busy:
            worker.process.kill()

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        with self._changed:
            return sorted(worker.pid for worker in self._all)

    def warm(self, preload: Iterable[str] = ()) -> None:
        """Start the workers the pool lacks, in the background, and return at once: a worker
        takes a tenth of a second of CPU to start, which a cycle can spend while it waits for
        its first answers rather than after them.

        Every worker started from now on imports the modules named in `preload` before it is
        ready, so that its first job does not pay for them (feedparser: 30 ms of CPU).
        """
        with self._changed:
            self._preload = tuple(dict.fromkeys((*self._preload, *preload)))
            missing = 0 if self._closed else self.size - len(self._all) - self._starting
            self._starting += missing
        for _ in range(missing):
            threading.Thread(target=self._start_idle, name="sandbox-start", daemon=True).start()

    def _start_idle(self) -> None:
        try:
            worker = self._start()
        except (WatcherError, OSError) as failure:
            log.debug("parse worker not started ahead of use: %s", failure)
            return
        if worker is not None:
            self._release(worker, keep=True)

    def _acquire(self, error: type[Exception], label: str) -> _Worker:
        with self._changed:
            while not self._closed and not self._idle:
                if len(self._all) + self._starting < self.size:
                    self._starting += 1
                    break
                self._changed.wait()
            if self._closed:
                raise error(f"{label} refused: the parse workers are shut down")
            if self._idle:
                return self._idle.pop()
        try:
            worker = self._start()
        except (WatcherError, OSError) as failure:
            raise error(f"{label} failed: {failure}") from None
        if worker is None:
            raise error(f"{label} refused: the parse workers are shut down")
        return worker

    def _start(self) -> _Worker | None:
        """A new worker for a place the caller has counted in `_starting`; None if the pool
        closed meanwhile."""
        try:
            worker = _Worker(self._preload)
        except BaseException:
            with self._changed:
                self._starting -= 1
                self._changed.notify()
            raise
        # One step from "starting" to "started": a caller woken in between would count one
        # worker too few and start another.
        with self._changed:
            self._starting -= 1
            self._changed.notify()
            closed = self._closed
            if not closed:
                self._all.add(worker)
        if closed:
            worker.kill()
            return None
        log.debug("parse worker %d started", worker.pid)
        return worker

    def _release(self, worker: _Worker, keep: bool) -> None:
        with self._changed:
            owned = worker in self._all
            if owned and keep:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
            self._changed.notify()
        if not (owned and keep):
            worker.kill()


_default: Pool | None = None
_default_lock = threading.Lock()


def run(
    job: str,
    args: tuple[Any, ...],
    *,
    timeout: float,
    memory: int,
    error: type[Exception],
    label: str,
) -> Any:
    """`Pool.run` on the process-wide pool, which starts on first use."""
    return _pool().run(job, args, timeout=timeout, memory=memory, error=error, label=label)


def _pool() -> Pool:
    global _default
    with _default_lock:
        if _default is None:
            _default = Pool()
        return _default


def warm(preload: Iterable[str] = ()) -> None:
    """`Pool.warm` on the process-wide pool."""
    _pool().warm(preload)


def close() -> None:
    """Stop the process-wide pool's workers; a later job starts a new pool."""
    global _default
    with _default_lock:
        pool, _default = _default, None
    if pool is not None:
        pool.close()


atexit.register(close)


# -- the worker side ---------------------------------------------------------------------------


def _serve(preload: tuple[str, ...] = ()) -> None:  # pragma: no cover - runs in the worker
    """The worker's loop: import the modules to `preload`, then read a job, run it under limits,
    write the reply; exit at end of input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol gets private copies of stdin and stdout; a job that prints writes to stderr.
    requests, replies = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    # Jobs are quiet: the parent reports their failures with its own logging.
    logging.disable(logging.CRITICAL)
    import warnings

    warnings.simplefilter("ignore")
    for name in preload:
        # A module that cannot be imported (or exits as it is) is the job's to report, when
        # it is run.
        with contextlib.suppress(BaseException):
            importlib.import_module(name)
    functions: dict[str, Callable[..., Any]] = {}
    _send(replies, ("ready",))
    while True:
        header = _receive(requests, _HEADER.size)
        if not header:
            return
        job, args, timeout, memory = pickle.loads(_receive(requests, _HEADER.unpack(header)[0]))
        outcome, value, own, exhausted = "error", "", False, False
        try:
            function = functions.get(job) or functions.setdefault(job, _resolve(job))
            _limit(memory, timeout)
            outcome, value = "ok", function(*args)
        except MemoryError:
            value, exhausted = "exceeded its memory limit", True
        except WatcherError as failure:
            value, own = str(failure), True
        except BaseException as failure:  # the worker's one failure boundary: report, carry on
            value = f"failed: {type(failure).__name__}: {failure}"
        finally:
            _unlimit()
        # After a MemoryError nothing in this process is to be trusted; a worker grown large
        # makes way for a fresh one.
        retire = exhausted or _resident() > WORKER_RSS_MAX
        try:
            _send(replies, (outcome, value, retire, own))
        except (pickle.PicklingError, TypeError, AttributeError) as failure:
            reason = f"failed: its result cannot be sent: {failure}"
            _send(replies, ("error", reason, retire, False))
        if retire:
            return


def _resolve(job: str) -> Callable[..., Any]:
    module, _, name = job.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


def _limit(memory: int, timeout: float) -> None:
    # The budget is on top of what the worker already maps (interpreter, imported libraries),
    # which differs from one worker to the next.
    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[0]) * resource.getpagesize()
    _set_soft(resource.RLIMIT_AS, current + memory)
    # CPU time is cumulative over the worker's life: the backstop is this job's share of it.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _set_soft(resource.RLIMIT_CPU, int(usage.ru_utime + usage.ru_stime + timeout) + 2)


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _unlimit() -> None:
    _set_soft(resource.RLIMIT_AS, resource.RLIM_INFINITY)
    _set_soft(resource.RLIMIT_CPU, resource.RLIM_INFINITY)


def _set_soft(which: int, soft: int) -> None:
    hard = resource.getrlimit(which)[1]
    if hard != resource.RLIM_INFINITY and (soft == resource.RLIM_INFINITY or soft > hard):
        soft = hard
    resource.setrlimit(which, (soft, hard))


def _send(fd: int, reply: tuple[Any, ...]) -> None:
    data = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
    _write_all(fd, _HEADER.pack(len(data)) + data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return b""
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
