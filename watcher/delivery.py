"""Outbox rows in, deliveries out: sends each due row through `alerts.send` and records the
outcome — sent, retried with backoff, re-sent at most a few times when the outcome is ambiguous,
or given up ("dead") with an error a person can act on.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from watcher import alerts as alerting
from watcher.config import Config
from watcher.store import OutboxRow, Store, now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


def deliver_pending(store: Store, config: Config, limit: int = 200) -> DeliveryResult:
    """Send every due outbox row.

    Destinations are served side by side, so that a slow one holds up no other; each one gets
    its alerts in order, so that an update never arrives before the alert it updates. A row that
    fails is retried later, behind the rows that were due after it.
    """
    rows = store.claim_due(limit)
    if not rows:
        return DeliveryResult()
    queues: dict[tuple[str, int], list[OutboxRow]] = {}
    for row in rows:
        queues.setdefault((row.target, row.url_index), []).append(row)

    def drain(queue: list[OutboxRow]) -> list[str]:
        return [_deliver(store, config, row) for row in queue]

    with ThreadPoolExecutor(max_workers=config.delivery.workers, thread_name_prefix="send") as pool:
        outcomes = [outcome for done in pool.map(drain, queues.values()) for outcome in done]
    return DeliveryResult(
        sent=outcomes.count("sent"),
        dead=outcomes.count("dead"),
        retrying=len(outcomes) - outcomes.count("sent") - outcomes.count("dead"),
    )


def _deliver(store: Store, config: Config, row: OutboxRow) -> str:
    delivery = config.delivery
    target = config.targets.get(row.target)
    if target is None or row.url_index >= len(target.urls):
        store.mark_retry(
            row.id,
            status="dead",
            next_attempt=now(),
            error=f"target {row.target} is no longer configured",
        )
        log.error("alert %d: target %s is no longer configured; not sent", row.alert_id, row.target)
        return "dead"
    url = target.urls[row.url_index]
    alert = alerting.Alert(title=row.title, text=row.text, markdown=row.markdown, html=row.html)
    try:
        outcome = alerting.send(url, alert, row.format, timeout=delivery.timeout)
    except Exception:
        log.exception(
            "alert %d to %s: unexpected error while sending", row.alert_id, alerting.masked(url)
        )
        outcome = alerting.Outcome(status="retry", detail="unexpected error", retry_after=None)
    where = f"alert {row.alert_id} to {row.target} ({alerting.masked(url)})"
    if outcome.status == "sent":
        store.mark_sent(row.id)
        log.info("%s: sent", where)
        return "sent"
    if outcome.status == "dead" or (
        outcome.status == "retry" and row.attempts >= delivery.max_attempts
    ):
        store.mark_retry(row.id, status="dead", next_attempt=now(), error=outcome.detail)
        log.error("%s: given up after %d attempts: %s", where, row.attempts, outcome.detail)
        return "dead"
    delay = min(delivery.retry_max, delivery.retry_initial * 2 ** (row.attempts - 1))
    if outcome.retry_after:
        delay = max(delay, outcome.retry_after)
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
            row.id,
            status="ambiguous",
            next_attempt=now() + timedelta(seconds=delay),
            error=outcome.detail,
        )
        log.warning("%s: no clear answer (%s); re-sending in %ds", where, outcome.detail, delay)
        return "ambiguous"
    store.mark_retry(
        row.id,
        status="pending",
        next_attempt=now() + timedelta(seconds=delay),
        error=outcome.detail,
    )
    log.warning("%s: failed (%s); retrying in %ds", where, outcome.detail, delay)
    return "retry"
