"""Outbox rows in, deliveries out: sends each due row through `alerts.send` and records the
outcome — sent, retried with backoff, re-sent at most a few times when the outcome is ambiguous,
or given up ("dead") with an error a person can act on. I/O: the database and the notifiers.

The states of an outbox row (one row per alert and destination URL; reliability.md finding 6):

    pending    waiting to be sent, at `next_attempt` (new, or after a plain failure: 5xx, 429,
               refused connection). A 429 holds every row to that destination for
               `rate_limited_wait` at least.
    sending    claimed just before its one send. A crash here leaves it in `sending`: at the
               next start it becomes `ambiguous`, as does a claim older than its lease.
    sent       the destination accepted it. Final.
    ambiguous  it may have arrived (the destination took the request but did not answer in
               time, or the sender died mid-send); re-sent at most `ambiguous_resends` times.
    dead       given up: a permanent refusal (401, 403, 404, 410, invalid token), a target that
               is no longer configured, `max_attempts` failures, or an ambiguous row out of
               re-sends. `watcher alerts` lists it with the reason, and each one is logged once
               at ERROR. Final, unless a person puts it back after a fix:
               `watcher alerts --retry-dead` makes it pending again with a fresh count of
               attempts (compare and set on `dead`), and its alert then goes out marked late,
               with the reason it had died.

    pending/ambiguous ──claim──▶ sending ──▶ sent | pending | ambiguous | dead
    dead ──retry-dead──▶ pending

Rows are claimed one at a time, just before each send, and marked after it: a crash loses
nothing, and can duplicate only the rows it leaves in `sending`, at most one per destination.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from watcher import alerts as alerting
from watcher.config import Config
from watcher.store import OutboxRow, Store, TargetFailures, now, url_digest

log = logging.getLogger(__name__)

# How long a claim holds beyond the longest a send can take (alerts.send's call deadline is
# three times the socket timeout); after that the row is taken as abandoned and ambiguous.
LEASE_MARGIN = 60.0
# A destination gets no new claim after this long in one sweep: one that is slow but answers
# cannot hold back the next sweep (and so the other destinations' new alerts) for longer.
SWEEP_SECONDS = 10.0


@dataclass(frozen=True)
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


def deliver_pending(
    store: Store, config: Config, limit: int = 200, stopping: threading.Event | None = None
) -> DeliveryResult:
    """Send every due outbox row, at most `limit` per destination, and return what became of them.

    Destinations are served side by side, so that a slow one holds up no other; each one gets
    its alerts oldest first, so that an update rarely arrives before the alert it updates. A
    destination that fails or does not answer gets no more sends in this sweep: the rows behind
    it wait for the next sweep instead of each paying a timeout now (reliability.md finding 4),
    and a failing row is retried later, behind the rows that were due after it. A destination
    gets no new claim after SWEEP_SECONDS, nor any once `stopping` is set: the sweep then ends
    with the sends in flight. Then each target's health is judged, and a change reported to the
    other targets (`report_targets`).
    """
    destinations = store.due_destinations()
    if not destinations:
        report_targets(store, config)
        return DeliveryResult()
    lease = timedelta(seconds=3 * config.delivery.timeout + LEASE_MARGIN)

    def drain(destination: tuple[str, int]) -> list[str]:
        name, index = destination
        target = config.targets.get(name)
        url = target.urls[index] if target is not None and index < len(target.urls) else None
        # Masking the URL loads apprise's plugins (0.1-0.5 s the first time): done before a
        # row is claimed, it keeps the `sending` window, and so a crash's duplicates, small.
        label = f"{name} ({alerting.masked(url)})" if url is not None else name
        deadline = time.monotonic() + SWEEP_SECONDS
        outcomes: list[str] = []
        while (
            len(outcomes) < limit
            and time.monotonic() < deadline
            and not (stopping is not None and stopping.is_set())
        ):
            row = store.claim_next(name, index, lease)
            if row is None:
                break
            outcomes.append(_deliver(store, config, row, url, label))
            if outcomes[-1] in ("retry", "ambiguous"):
                break
        return outcomes

    workers = min(config.delivery.workers, len(destinations))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="send") as pool:
        outcomes = [outcome for done in pool.map(drain, destinations) for outcome in done]
    # Judged after the sends: a target whose alerts waited while watcher was stopped is given
    # this sweep's attempt before it is called failing. What this queues goes out next sweep.
    report_targets(store, config)
    return DeliveryResult(
        sent=outcomes.count("sent"),
        dead=outcomes.count("dead"),
        retrying=len(outcomes) - outcomes.count("sent") - outcomes.count("dead"),
    )


def _deliver(store: Store, config: Config, row: OutboxRow, url: str | None, label: str) -> str:
    """Send one claimed row to `url` and record its outcome: "sent", "retry", "ambiguous" or
    "dead". `url` is None when the row's target or URL is gone from the config."""
    delivery = config.delivery
    if url is None or url_digest(url) != row.url_digest:
        # The target's URLs changed since the alert was queued. The row goes to the URL it was
        # meant for, wherever that now stands in the list, and never to whatever took its place.
        target = config.targets.get(row.target)
        moved = next(
            (u for u in (target.urls if target else ()) if url_digest(u) == row.url_digest), None
        )
        if moved is not None:
            return _deliver(store, config, row, moved, f"{row.target} ({alerting.masked(moved)})")
        if target is None:
            why = f"target {row.target} is no longer in the config"
        else:
            why = f"target {row.target} no longer has the URL this alert was queued for"
        store.mark_retry(row.id, status="dead", next_attempt=now(), error=why)
        log.error("alert %d: not sent: %s", row.alert_id, why)
        return "dead"
    alert = alerting.Alert(title=row.title, text=row.text, markdown=row.markdown, html=row.html)
    waited = now() - row.queued if row.queued else timedelta(0)
    if row.redelivery is not None or (
        row.last_error and waited >= timedelta(seconds=delivery.target_failing_after)
    ):
        alert = alerting.mark_late(alert, _late_note(row))
    where = f"alert {row.alert_id} to {label}"
    try:
        outcome = alerting.send(url, alert, row.format, timeout=delivery.timeout)
    except Exception as error:  # one send's failure boundary: the row is retried, the sweep goes on
        # No traceback at ERROR: an HTTP library's messages carry the URL, and with it the token
        # (C6).
        log.error("%s: unexpected %s while sending", where, type(error).__name__)
        log.debug("%s: the unexpected error", where, exc_info=True)
        outcome = alerting.Outcome(status="retry", detail="unexpected error")
    if outcome.status == "sent":
        store.mark_sent(row.id)
        log.info("%s: sent", where)
        return "sent"
    if outcome.status == "dead" or (
        outcome.status == "retry" and row.attempts >= delivery.max_attempts
    ):
        store.mark_retry(row.id, status="dead", next_attempt=now(), error=outcome.detail)
        log.error("%s: given up after %d attempt(s): %s", where, row.attempts, outcome.detail)
        return "dead"
    delay = min(delivery.retry_max, delivery.retry_initial * 2 ** (row.attempts - 1))
    if outcome.rate_limited:
        # Its Retry-After cannot be read through apprise (DESIGN.md "Notifier answers through
        # apprise's result"): a wait long enough for the usual ones instead (D6).
        delay = max(delay, delivery.rate_limited_wait)
    next_attempt = now() + timedelta(seconds=delay)
    if outcome.status == "ambiguous":
        # The destination may have it already: re-send at most `ambiguous_resends` times
        # (reliability.md finding 4), then stop rather than flood it.
        if row.ambiguous >= delivery.ambiguous_resends:
            store.mark_retry(
                row.id,
                status="dead",
                next_attempt=now(),
                error=f"no answer after {row.attempts} attempts; it may have "
                f"arrived: {outcome.detail}",
            )
            log.error(
                "%s: no clear answer after %d attempts; not re-sent again (it may have arrived)",
                where,
                row.attempts,
            )
            return "dead"
        store.mark_retry(
            row.id, status="ambiguous", next_attempt=next_attempt, error=outcome.detail
        )
        log.warning("%s: no clear answer (%s); re-sending in %gs", where, outcome.detail, delay)
        return "ambiguous"
    store.mark_retry(row.id, status="pending", next_attempt=next_attempt, error=outcome.detail)
    if outcome.rate_limited:
        # A rate limit speaks for the destination, not for this one alert (D6).
        store.hold_destination(row.target, row.url_index, next_attempt)
    log.warning("%s: failed (%s); retrying in %gs", where, outcome.detail, delay)
    return "retry"


def _late_note(row: OutboxRow) -> str:
    """Why the alert comes late: queued when, and given up when and why and sent again on
    request, or failing since it was queued and why."""
    queued = f"queued {row.queued:%Y-%m-%d %H:%M} UTC" if row.queued else "queued earlier"
    if row.redelivery is None:
        return f"{queued}; {row.target} failed until now ({row.last_error})"
    return (
        f"{queued}, given up at {row.redelivery.dead_since:%Y-%m-%d %H:%M} UTC "
        f"({row.redelivery.reason}) and sent again on request"
    )


# --- targets' health ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetHealth:
    """A configured target as `watcher alerts`, the metrics and the operator alerts see it.

    health: "failing" (dead deliveries, or a failed alert waiting for longer than
    `target_failing_after`), "retrying" (failed alerts, waiting for less than that) or "ok".
    reported: what the last operator alert about it said, "ok" or "failing".
    """

    target: str
    health: str
    failures: TargetFailures
    reported: str

    def failed(self) -> str:
        """The failed deliveries and the last error, in words; "" when there are none."""
        f = self.failures
        parts = []
        if f.dead:
            parts.append(f"{_alerts(f.dead)} dead since {_when(f.dead_since)}")
        if f.waiting:
            parts.append(f"{_alerts(f.waiting)} waiting since {_when(f.waiting_since)}")
        if f.last_error and parts:
            parts.append(f"last error: {f.last_error}")
        return ", ".join(parts)

    def describe(self) -> str:
        """One line: the target, its health and its failed deliveries."""
        failed = self.failed()
        return f"{self.target}: {self.health}" + (f" — {failed}" if failed else "")


def _alerts(count: int) -> str:
    return f"{count} alert{'s' if count != 1 else ''}"


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "an unknown time"


def target_health(store: Store, config: Config) -> list[TargetHealth]:
    """Every configured target's health, read from the outbox now."""
    failures = store.target_failures()
    reported = store.reported_health()
    failing_after = timedelta(seconds=config.delivery.target_failing_after)
    moment = now()
    found = []
    for name in config.targets:
        f = failures.get(name, TargetFailures())
        if f.dead or (f.waiting_since is not None and moment - f.waiting_since >= failing_after):
            health = "failing"
        else:
            health = "retrying" if f.waiting else "ok"
        found.append(TargetHealth(name, health, f, reported.get(name, "ok")))
    return found


def report_targets(store: Store, config: Config) -> int:
    """One operator alert to the other targets when a target starts failing, and one more when
    it works again (its dead and waiting deliveries all sent), as source-health alerts are for
    feeds. Returns how many were queued."""
    queued = 0
    for health in target_health(store, config):
        if health.health == "failing" and health.reported != "failing":
            headline = f"{health.target} is failing: {health.failed()}"
            detail = (
                f"The other targets still get every alert. When {health.target} is fixed, "
                "its waiting alerts go out marked late; send the dead ones again with "
                f"`watcher alerts --retry-dead --target {health.target}`."
            )
            queued += _report(store, config, health, "failing", headline, detail)
        elif health.health == "ok" and health.reported == "failing":
            headline = f"{health.target} works again"
            detail = f"Every alert queued for {health.target} has been delivered."
            queued += _report(store, config, health, "ok", headline, detail)
    return queued


def _report(
    store: Store, config: Config, health: TargetHealth, now_health: str, headline: str, detail: str
) -> bool:
    # Imported here: the pipeline imports every stage, and only this alert needs its routing.
    from watcher.pipeline import destinations

    others = [name for name in config.targets if name != health.target]
    content = alerting.AlertContent(
        event_id=0,
        kind="target",
        headline=headline,
        outlet="watcher",
        published=now(),
        link=None,
        rule_id="target-health",
        score=0.0,
        evidence=(detail,),
        reports=0,
        outlets=("watcher",),
    )
    alert = alerting.render_alert(content)
    # One transaction: the alert is queued exactly when the health it reports is stored, and
    # the compare and set lets one process only say it (instances sharing a database: the one
    # whose first row for the target loses the race gets an IntegrityError and says nothing).
    try:
        with store.transaction() as db:
            if not store.set_target_health(db, health.target, health.reported, now_health):
                return False
            store.record_alert(
                db,
                event_id=None,
                kind="target",
                alert=alert,
                deliveries=destinations(config, others),
            )
    except IntegrityError:
        return False
    level = logging.ERROR if now_health == "failing" else logging.WARNING
    log.log(level, "target health: %s; told %s", headline, ", ".join(others) or "no other target")
    return True
