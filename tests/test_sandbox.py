"""sandbox.py: long-lived workers, the wall clock, the memory limit, dead workers, what a reply
may hold, what a worker inherits, and a clean shutdown. The jobs are this module's functions,
which the workers import by name."""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from watcher import sandbox
from watcher.errors import ExtractError, ParseError

JOBS = "tests.test_sandbox"


# -- jobs, run in the workers ----------------------------------------------------------------------


def echo(value: object) -> tuple[int, object]:
    return os.getpid(), value


def hog(size: int) -> int:
    return len(bytes(size))


_KEPT: list[bytes] = []


def grow(size: int) -> int:
    _KEPT.append(b"x" * size)  # touched, so resident, and kept after the job
    return size


def stuck() -> None:
    threading.Event().wait()


def call_then_hang(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)):
        threading.Event().wait()


def crash(number: int) -> None:
    os.kill(os.getpid(), number)


def fail() -> None:
    raise ValueError("bad markup")


def refuse() -> None:
    raise ParseError("not a feed: the job's own words")


def path() -> pathlib.Path:
    return pathlib.Path("/etc/passwd")


def chatty() -> str:
    print("stray output that must not corrupt the replies")
    sys.stdout.flush()
    return "still fine"


def open_files() -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # listdir's own descriptor, now closed
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return found


# -- tests -----------------------------------------------------------------------------------------


@pytest.fixture
def pool() -> Iterator[sandbox.Pool]:
    the_pool = sandbox.Pool(size=1)
    yield the_pool
    the_pool.close()


def run(pool: sandbox.Pool, job: str, *args: object, timeout: float = 10.0) -> object:
    return pool.run(
        f"{JOBS}:{job}", args, timeout=timeout, memory=256 * 2**20, error=ParseError, label="parse"
    )


def gone(pid: int) -> bool:
    # Neither running nor a zombie: a reaped process leaves no /proc entry.
    return not pathlib.Path(f"/proc/{pid}").exists()


def test_a_worker_lives_across_jobs(pool: sandbox.Pool) -> None:
    first = run(pool, "echo", b"raw \x00 bytes")
    second = run(pool, "echo", {"k": [1, 2.5, None]})
    assert first == (pool.pids()[0], b"raw \x00 bytes")
    assert second == (pool.pids()[0], {"k": [1, 2.5, None]})
    assert pool.pids()[0] != os.getpid()


def test_wall_clock_kills_the_worker_and_a_fresh_one_follows(pool: sandbox.Pool) -> None:
    run(pool, "echo", 0)
    [old] = pool.pids()
    with pytest.raises(ParseError, match=r"^parse killed after 0\.5 s wall clock$"):
        run(pool, "stuck", timeout=0.5)
    assert gone(old) and pool.pids() == []
    assert run(pool, "echo", "next")[1] == "next"  # type: ignore[index]


def test_memory_limit_stops_the_job_and_retires_the_worker(pool: sandbox.Pool) -> None:
    run(pool, "echo", 0)
    [old] = pool.pids()
    with pytest.raises(ParseError, match=r"^parse exceeded its memory limit$"):
        run(pool, "hog", 2**31)
    assert gone(old)
    assert run(pool, "hog", 2**20) == 2**20


def test_a_worker_grown_large_makes_way_for_a_fresh_one(pool: sandbox.Pool) -> None:
    run(pool, "echo", 0)
    [old] = pool.pids()
    assert run(pool, "grow", sandbox.WORKER_RSS_MAX) == sandbox.WORKER_RSS_MAX
    assert gone(old) and pool.pids() == []


@pytest.mark.parametrize("number", [signal.SIGSEGV, signal.SIGKILL], ids=["segfault", "killed"])
def test_a_dying_worker_is_a_clear_error(pool: sandbox.Pool, number: int) -> None:
    with pytest.raises(ParseError, match=rf"^parse failed: worker died \(signal {number.name}\)$"):
        run(pool, "crash", int(number))
    assert pool.pids() == []
    assert run(pool, "echo", "after")[1] == "after"  # type: ignore[index]


def test_an_exception_is_reported_and_the_worker_kept(pool: sandbox.Pool) -> None:
    run(pool, "echo", 0)
    before = pool.pids()
    with pytest.raises(ParseError, match=r"^parse failed: ValueError: bad markup$"):
        run(pool, "fail")
    with pytest.raises(ParseError, match=r"^not a feed: the job's own words$"):
        run(pool, "refuse")
    assert pool.pids() == before


def test_the_callers_error_class_and_label(pool: sandbox.Pool) -> None:
    with pytest.raises(ExtractError, match=r"^extraction failed: ValueError"):
        pool.run(
            f"{JOBS}:fail", (), timeout=5, memory=2**26, error=ExtractError, label="extraction"
        )


def test_a_reply_holds_plain_data_only(pool: sandbox.Pool) -> None:
    with pytest.raises(ParseError, match="may not contain pathlib"):
        run(pool, "path")
    assert run(pool, "echo", "after")[1] == "after"  # type: ignore[index]


def test_stray_output_does_not_corrupt_replies(pool: sandbox.Pool) -> None:
    assert run(pool, "chatty") == "still fine"
    assert run(pool, "echo", "after")[1] == "after"  # type: ignore[index]


def test_a_worker_inherits_no_socket_or_file_of_the_daemon(
    pool: sandbox.Pool, tmp_path: pathlib.Path
) -> None:
    database = tmp_path / "state.db"
    with socket.socket() as listener, database.open("wb"):
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        files = run(pool, "open_files")
    assert isinstance(files, list)
    assert not [f for f in files if f.startswith("socket:") or f == str(database)]
    # stdin (/dev/null), stdout and stderr, and the two protocol pipes.
    assert len(files) <= 5, files


def test_pool_size_bounds_the_workers() -> None:
    the_pool = sandbox.Pool(size=2)
    try:
        with ThreadPoolExecutor(max_workers=6) as threads:
            replies = list(threads.map(lambda n: run(the_pool, "echo", n), range(24)))
        pids = {reply[0] for reply in replies}  # type: ignore[index]
        assert 1 <= len(pids) <= 2 and len(the_pool.pids()) <= 2
    finally:
        the_pool.close()
    assert sandbox.Pool().size == max(1, min(4, os.cpu_count() or 1))


def imported(name: str) -> bool:
    return name in sys.modules


def test_warmed_workers_import_the_modules_to_preload_before_their_first_job() -> None:
    the_pool = sandbox.Pool(size=1)
    try:
        assert not run(the_pool, "imported", "colorsys")
        the_pool.close()
        the_pool = sandbox.Pool(size=1)
        # A module that cannot be imported leaves the worker to report it when a job needs it.
        the_pool.warm(preload=("colorsys", "no_such_module_here"))
        assert run(the_pool, "imported", "colorsys")
        with pytest.raises(ParseError, match="ModuleNotFoundError"):
            the_pool.run(
                "no_such_module_here:job", (), timeout=10, memory=2**28, error=ParseError, label="p"
            )
    finally:
        the_pool.close()


def test_warm_starts_the_missing_workers_ahead_of_the_jobs() -> None:
    the_pool = sandbox.Pool(size=2)
    try:
        the_pool.warm()
        the_pool.warm()  # workers already starting are counted: no third one
        with the_pool._changed:
            assert the_pool._changed.wait_for(lambda: len(the_pool._idle) == 2, timeout=30)
        warmed = the_pool.pids()
        pid, _ = run(the_pool, "echo", 1)  # type: ignore[misc]
        assert len(warmed) == 2 and pid in warmed and the_pool.pids() == warmed
    finally:
        the_pool.close()
    assert all(gone(pid) for pid in warmed)
    the_pool.warm()  # a closed pool starts nothing
    assert the_pool.pids() == [] and the_pool._starting == 0


def test_close_stops_idle_and_busy_workers_and_leaves_no_zombie() -> None:
    the_pool = sandbox.Pool(size=2)
    with socket.socket() as listener, ThreadPoolExecutor(max_workers=2) as threads:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(10)
        busy = threads.submit(run, the_pool, "call_then_hang", listener.getsockname()[1])
        listener.accept()[0].close()  # the job is running in its worker
        run(the_pool, "echo", 0)  # and the other worker is idle
        pids = the_pool.pids()
        the_pool.close()
        with pytest.raises(ParseError, match=r"worker died \(signal SIGKILL\)"):
            busy.result(timeout=10)
    assert len(pids) == 2 and all(gone(pid) for pid in pids)
    with pytest.raises(ParseError, match="shut down"):
        run(the_pool, "echo", 0)


def test_module_pool_starts_on_use_and_close_stops_it() -> None:
    sandbox.close()
    assert sandbox._default is None
    pid, _ = sandbox.run(
        f"{JOBS}:echo", ("x",), timeout=10, memory=2**26, error=ParseError, label="parse"
    )
    pool = sandbox._default
    assert pool is not None and pool.pids() == [pid]
    sandbox.close()
    assert sandbox._default is None and gone(pid)
