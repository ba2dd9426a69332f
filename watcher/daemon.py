"""`watcher run`: the scheduler that calls `pipeline.run_feed` per feed and `deliver_pending`,
with systemd's notify protocol, a health-gated watchdog, SIGHUP reload and a clean SIGTERM stop.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import OperationalError

from watcher import metrics, sandbox
from watcher.config import Config, Feed, load_config
from watcher.delivery import deliver_pending
from watcher.errors import ConfigError
from watcher.feeds import PARSE_MODULES
from watcher.pipeline import Context, guarded_run_feed, make_client
from watcher.store import Store, now
from watcher.store.feed import PRESENCE

log = logging.getLogger(__name__)

SEND_EVERY = 5.0  # seconds between outbox sweeps; new alerts also wake the sender at once


def notify(message: str) -> None:
    """sd_notify(3) without a dependency: one datagram to $NOTIFY_SOCKET, if systemd set one."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as error:
        log.warning("cannot notify systemd: %s", error)


class Daemon:
    """Owns the scheduler and the current Context; the main thread waits for signals."""

    def __init__(self, config_path: Path, config: Config, store: Store) -> None:
        self.config_path = config_path
        self.workers = config.settings.workers  # the polls' threads, for as long as it runs
        self.ctx = Context(config=config, store=store, client=make_client(config))
        self.scheduler = BackgroundScheduler(
            # Polls can take minutes (articles, per-host slots): the sender, the heartbeat that
            # gates the watchdog, the pruner and the check-in with a shared database get threads
            # of their own.
            executors={
                "default": ThreadPoolExecutor(self.workers),
                "control": ThreadPoolExecutor(4),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )
        self.stopping = threading.Event()
        self.reload_requested = threading.Event()
        self.heartbeat = time.monotonic()

    # --- jobs --------------------------------------------------------------------------------

    def _poll(self, feed_url: str) -> None:
        ctx = self.ctx  # the context of this moment; a reload swaps it between polls
        feed = next((f for f in ctx.config.feeds if f.url == feed_url), None)
        if feed is None or self.stopping.is_set():
            return
        result = guarded_run_feed(ctx, feed)
        if result.alerts:
            self._wake_sender()
        if result.held_until is not None:
            # Another instance holds the feed: try again when its lease runs out, so that the
            # feed is taken over at once if that instance has died, not up to an interval later.
            job = self.scheduler.get_job(f"feed:{feed_url}")
            if job is not None:
                job.modify(next_run_time=result.held_until)

    def _send(self) -> None:
        if self.stopping.is_set():
            return
        try:
            deliver_pending(self.ctx.store, self.ctx.config, stopping=self.stopping)
        except Exception:
            log.exception("delivery sweep failed; retrying in %ds", SEND_EVERY)

    def _prune(self) -> None:
        retention = timedelta(days=self.ctx.config.settings.retention_days)
        try:
            forgotten = self.ctx.store.prune_items(retention)
            forgotten += self.ctx.store.prune_history(retention)
        except OperationalError as error:
            log.warning("pruning old items failed, retrying tomorrow: %s", error.orig)
            return
        if forgotten:
            log.info("forgot %d items and records older than %s", forgotten, retention)

    def _check_in(self) -> None:
        """On a shared database: this instance is alive, and learns its share of the feeds."""
        try:
            self.ctx.store.check_in(len(self.ctx.config.feeds))
        except OperationalError as error:
            log.warning("check-in with the shared database failed, retrying: %s", error.orig)

    def _beat(self) -> None:
        self.heartbeat = time.monotonic()

    def _wake_sender(self) -> None:
        job = self.scheduler.get_job("send")
        if job is not None:
            job.modify(
                next_run_time=datetime.now(job.next_run_time.tzinfo) if job.next_run_time else None
            )

    def _schedule_feeds(self, feeds: tuple[Feed, ...], jitter: float) -> None:
        """One job per feed. Jitter spreads the feeds' first polls over a fraction of their
        interval so that they do not poll in step; after that each polls at its exact interval,
        so a new item waits at most one interval (a jittered trigger would add up to the
        jitter to every wait)."""
        wanted = {f"feed:{f.url}": f for f in feeds}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("feed:") and job.id not in wanted:
                job.remove()
        for job_id, feed in wanted.items():
            existing = self.scheduler.get_job(job_id)
            if existing is None:
                first = now() + timedelta(seconds=random.uniform(0, feed.interval * jitter))
                self.scheduler.add_job(
                    self._poll,
                    IntervalTrigger(seconds=feed.interval),
                    args=(feed.url,),
                    id=job_id,
                    name=feed.name,
                    next_run_time=first,
                )
            elif existing.trigger.interval.total_seconds() != feed.interval:
                # modify() keeps the next run time; reschedule() would push every feed a full
                # interval back on each reload.
                existing.modify(trigger=IntervalTrigger(seconds=feed.interval))

    # --- lifecycle ---------------------------------------------------------------------------

    def run(self) -> int:
        recovered = self.ctx.store.recover_sending()
        if recovered:
            log.warning(
                "%d deliveries were interrupted by a stop; they are re-sent at most %d more times",
                recovered,
                self.ctx.config.delivery.ambiguous_resends,
            )
        self.ctx.store.load_feeds([feed.url for feed in self.ctx.config.feeds])
        self._check_in()  # the share of the feeds is known before the first poll
        self._schedule_feeds(self.ctx.config.feeds, self.ctx.config.settings.jitter)
        self.scheduler.add_job(
            self._send,
            IntervalTrigger(seconds=SEND_EVERY),
            id="send",
            executor="control",
            next_run_time=now(),
        )
        self.scheduler.add_job(
            self._prune,
            IntervalTrigger(hours=24),
            id="prune",
            executor="control",
            next_run_time=now(),
        )
        if self.ctx.store.shared:
            self.scheduler.add_job(
                self._check_in,
                IntervalTrigger(seconds=PRESENCE.total_seconds() / 4),
                id="check-in",
                executor="control",
            )
        self.scheduler.add_job(
            self._beat,
            IntervalTrigger(seconds=5),
            id="heartbeat",
            executor="control",
            next_run_time=now(),
        )
        if self.ctx.config.settings.metrics_listen:
            metrics.serve(self.ctx.config.settings.metrics_listen, lambda: self.ctx)
        web = None
        if self.ctx.config.settings.web_listen:
            from watcher.web.app import serve  # werkzeug and Jinja2 only when the view is on

            settings = self.ctx.config.settings
            web = serve(settings.web_listen, lambda: self.ctx, settings.web_token)
        sandbox.warm(PARSE_MODULES)  # the first polls' parses need not wait for the workers
        self.scheduler.start()
        self._install_signals()
        status = self._status()
        notify(f"READY=1\nSTATUS={status}")
        log.info("watcher running: %s", status)
        self._wait()
        log.info("stopping: waiting for running polls and sends to finish")
        notify("STOPPING=1")
        if web is not None:
            web.stop()  # no page is read from a store that is shutting down
        self.scheduler.shutdown(wait=True)
        # On a shared database, the other instances take this one's feeds at their next polls
        # instead of when the leases would have run out.
        released = self.ctx.store.release_feeds()
        if released:
            log.info("%d feed leases released to the other instances", released)
        sandbox.close()  # the parse workers: no poll is left to use them
        self.ctx.client.close()
        log.info("stopped")
        return 0

    def _status(self) -> str:
        counts = self.ctx.store.outbox_counts()
        return (
            f"{len(self.ctx.config.feeds)} feeds, {len(self.ctx.config.targets)} targets, "
            f"{counts.get('pending', 0) + counts.get('ambiguous', 0)} alerts waiting"
        )

    def _install_signals(self) -> None:
        def stop(signum: int, _frame: FrameType | None) -> None:
            self.stopping.set()
            self.ctx.stopping.set()

        def reload(signum: int, _frame: FrameType | None) -> None:
            self.reload_requested.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def _wait(self) -> None:
        watchdog = _watchdog_interval()
        last_ping = 0.0
        while not self.stopping.is_set():
            self.stopping.wait(1.0)
            if self.reload_requested.is_set():
                self.reload_requested.clear()
                self.reload()
            if watchdog and time.monotonic() - last_ping >= watchdog:
                last_ping = time.monotonic()
                # Pet the watchdog only while the scheduler runs jobs and the database takes
                # writes: a hung daemon is then restarted by systemd (reliability.md P2, P3).
                if time.monotonic() - self.heartbeat < 60 and self.ctx.store.ping():
                    notify("WATCHDOG=1")
                else:
                    log.error(
                        "unhealthy (scheduler stalled or database not writable); "
                        "not petting the watchdog"
                    )

    def _reload_failed(self, why: str) -> bool:
        metrics.record_reload(ok=False)
        log.error("reload failed; keeping the previous config:\n%s", why)
        notify("READY=1\nSTATUS=reload failed, running the previous config")
        return False

    def reload(self) -> bool:
        """Load the config again; keep the old one, and say why, when the new one is broken."""
        notify(f"RELOADING=1\nMONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")
        try:
            config = load_config(self.config_path)
        except ConfigError as error:
            return self._reload_failed(str(error))
        except Exception as error:
            # The reload's failure boundary: whatever a new config trips over (reliability.md
            # finding 7: a regex error is no ValueError), the daemon keeps running the old one.
            log.exception("reload failed unexpectedly")
            return self._reload_failed(f"{type(error).__name__}: {error}")
        before = self.ctx.config.settings
        if (config.settings.web_listen, config.settings.web_token) != (
            before.web_listen,
            before.web_token,
        ):
            log.warning("web_listen and the web view's token change at the next start, not now")
        if config.settings.workers != self.workers:
            log.warning("workers changes at the next start, not now: %d run", self.workers)
        previous = self.ctx.client
        self.ctx = Context(
            config=config,
            store=self.ctx.store,
            client=make_client(config, self.workers),
            events_lock=self.ctx.events_lock,
            stopping=self.ctx.stopping,
        )
        previous.close()  # its kept connections; polls still running on it finish
        self._schedule_feeds(config.feeds, config.settings.jitter)
        metrics.record_reload(ok=True)
        status = self._status()
        log.info("reloaded: %s", status)
        notify(f"READY=1\nSTATUS={status}")
        return True


def _watchdog_interval() -> float:
    """Half of WatchdogSec, as systemd recommends; 0 when no watchdog is set for us."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return 0.0
    return int(usec) / 2e6
