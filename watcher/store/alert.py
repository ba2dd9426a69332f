"""Alerts and the outbox of their deliveries: the rows' states (drawn in watcher/delivery.py),
claims, retries, dead letters and each target's failures and reported health."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Connection

from watcher.store import clock
from watcher.store.engine import Database, new_id
from watcher.store.schema import alerts, outbox, redeliveries, target_health

if TYPE_CHECKING:
    from watcher.alerts import Alert


@dataclass(frozen=True)
class Delivery:
    """Where one alert goes: a target's URL, named by its position and its digest."""

    target: str
    url_index: int
    url_digest: str
    format: str


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Redelivery:
    """Why a dead row was put back to be sent: the error it died with, and when."""

    reason: str
    dead_since: datetime


@dataclass(frozen=True)
class TargetFailures:
    """One target's failed deliveries as the outbox has them now."""

    dead: int = 0
    dead_since: datetime | None = None  # when the first of them was given up
    waiting: int = 0  # not sent yet, after one failed attempt or more
    waiting_since: datetime | None = None  # when the oldest of those was queued
    last_error: str | None = None  # of the latest queued failed delivery


@dataclass(frozen=True)
class OutboxRow:
    id: int
    alert_id: int
    target: str
    url_index: int
    url_digest: str
    format: str
    status: str
    attempts: int
    ambiguous: int
    title: str
    text: str
    markdown: str
    html: str
    queued: datetime | None = None
    last_error: str | None = None
    redelivery: Redelivery | None = None


@dataclass(frozen=True)
class AlertRecord:
    id: int
    event_id: int | None
    kind: str
    title: str
    created: datetime
    deliveries: tuple[tuple[str, str, int, str | None], ...]  # (target, status, attempts, error)


class OutboxStore(Database):
    """Alerts, one outbox row per delivery, and what became of each."""

    def record_alert(
        self,
        db: Connection,
        *,
        event_id: int | None,
        kind: str,
        alert: Alert,
        deliveries: Sequence[Delivery],
    ) -> int:
        """An alert, in every format, and one outbox row per delivery, in the caller's
        transaction."""
        created = clock.now()
        alert_id = new_id(
            db.execute(
                insert(alerts).values(
                    event_id=event_id,
                    kind=kind,
                    title=alert.title,
                    text=alert.text,
                    markdown=alert.markdown,
                    html=alert.html,
                    created=created,
                )
            )
        )
        for delivery in deliveries:
            db.execute(
                insert(outbox).values(
                    alert_id=alert_id,
                    target=delivery.target,
                    url_index=delivery.url_index,
                    url_digest=delivery.url_digest,
                    format=delivery.format,
                    status="pending",
                    attempts=0,
                    ambiguous=0,
                    next_attempt=created,
                    created=created,
                )
            )
        return alert_id

    def recover_sending(self) -> int:
        """Rows left in `sending` by a crash may have been delivered: mark them ambiguous.

        On a shared database only this instance's own claims: another instance's rows in
        `sending` are in flight there, and become due again only when their lease runs out."""
        mine = outbox.c.status == "sending"
        if self.shared:
            mine = mine & (outbox.c.claimed_by == self.instance)
        with self.transaction() as db:
            result = db.execute(
                update(outbox)
                .where(mine)
                .values(
                    status="ambiguous",
                    ambiguous=outbox.c.ambiguous + 1,
                    next_attempt=clock.now(),
                    last_error="interrupted while sending",
                )
            )
        return int(result.rowcount or 0)

    def due_destinations(self) -> list[tuple[str, int]]:
        """(target, url index) of every destination with a row due now, stale claims included."""
        with self.transaction() as db:
            rows = db.execute(
                select(outbox.c.target, outbox.c.url_index)
                .where(_due(clock.now()))
                .group_by(outbox.c.target, outbox.c.url_index)
                .order_by(func.min(outbox.c.id))
            ).all()
        return [(row[0], row[1]) for row in rows]

    def claim_next(self, target: str, url_index: int, lease: timedelta) -> OutboxRow | None:
        """The destination's next due row, moved to `sending` just before it is sent.

        One row at a time, so that a crash leaves in `sending` only what was really in flight.
        The claim holds for `lease`; a row still in `sending` after that was abandoned by a
        sender that failed to record its outcome, and is claimed again as ambiguous.
        """
        moment = clock.now()
        with self.transaction() as db:
            row = db.execute(
                _outbox_rows()
                .where(outbox.c.target == target, outbox.c.url_index == url_index, _due(moment))
                .order_by(outbox.c.next_attempt, outbox.c.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            stale = row.status == "sending"
            ambiguous = row.ambiguous + 1 if stale else row.ambiguous
            # Compare and set: a second process that read the same row claims nothing.
            claimed = db.execute(
                update(outbox)
                .where(outbox.c.id == row.id, outbox.c.status == row.status)
                .values(
                    status="sending",
                    claimed_by=self.instance,
                    attempts=outbox.c.attempts + 1,
                    ambiguous=ambiguous,
                    next_attempt=moment + lease,
                )
            )
            if claimed.rowcount != 1:
                return None
        return _outbox_row(row._mapping, ambiguous)

    def mark_sent(self, row_id: int) -> None:
        """The row arrived. Its destination works again, so the rows to it that wait on a plain
        retry become due now instead of at the end of their backoff."""
        moment = clock.now()
        with self.transaction() as db:
            row = db.execute(
                select(outbox.c.target, outbox.c.url_index).where(outbox.c.id == row_id)
            ).first()
            db.execute(
                update(outbox)
                .where(outbox.c.id == row_id)
                .values(status="sent", sent=moment, last_error=None)
            )
            if row is not None:
                db.execute(
                    update(outbox)
                    .where(
                        outbox.c.target == row.target,
                        outbox.c.url_index == row.url_index,
                        outbox.c.status == "pending",
                        outbox.c.next_attempt > moment,
                    )
                    .values(next_attempt=moment)
                )

    def mark_retry(self, row_id: int, *, status: str, next_attempt: datetime, error: str) -> None:
        """status is "pending" (plain retry), "ambiguous" (may have arrived) or "dead"."""
        values: dict[str, Any] = {
            "status": status,
            "next_attempt": next_attempt,
            "last_error": error[:500],
        }
        if status == "ambiguous":
            values["ambiguous"] = outbox.c.ambiguous + 1
        with self.transaction() as db:
            db.execute(update(outbox).where(outbox.c.id == row_id).values(**values))

    def hold_destination(self, target: str, url_index: int, until: datetime) -> int:
        """No row to this destination before `until` (its Retry-After): every waiting row to it
        is put back to then. Returns how many rows moved."""
        with self.transaction() as db:
            result = db.execute(
                update(outbox)
                .where(
                    outbox.c.target == target,
                    outbox.c.url_index == url_index,
                    outbox.c.status.in_(("pending", "ambiguous")),
                    outbox.c.next_attempt < until,
                )
                .values(next_attempt=until)
            )
        return int(result.rowcount or 0)

    def retry_dead(self, targets: Mapping[str, Sequence[str]]) -> dict[str, int]:
        """Put the dead rows to these targets back to be sent, each once, with a fresh count
        of attempts; remember why each had died. Returns how many per target.

        `targets` gives each target's URL digests as the config lists them now. A row whose
        URL is no longer among them goes to the URL now at its place in the list: the fix of
        a URL apprise refused, or of a password, is an edit of that URL. It stays dead when
        the list has no URL there, or when its alert has a row for that URL already.

        Compare and set, row by row: a row that is no longer dead when it is updated (another
        `--retry-dead` took it first) is left alone, and a sent row is never touched.
        """
        moment = clock.now()
        put_back: dict[str, int] = {}
        with self.transaction() as db:
            dead = db.execute(
                select(
                    outbox.c.id,
                    outbox.c.alert_id,
                    outbox.c.target,
                    outbox.c.url_index,
                    outbox.c.url_digest,
                    outbox.c.last_error,
                    outbox.c.next_attempt,
                )
                .where(outbox.c.status == "dead", outbox.c.target.in_(list(targets)))
                .order_by(outbox.c.id)
            ).all()
            for row in dead:
                digests = targets[row.target]
                digest = row.url_digest
                if digest not in digests:
                    if row.url_index >= len(digests):
                        continue
                    digest = digests[row.url_index]
                    twin = db.execute(
                        select(outbox.c.id).where(
                            outbox.c.alert_id == row.alert_id,
                            outbox.c.target == row.target,
                            outbox.c.url_digest == digest,
                        )
                    ).first()
                    if twin is not None:
                        continue
                taken = db.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id, outbox.c.status == "dead")
                    .values(
                        status="pending",
                        url_digest=digest,
                        attempts=0,
                        ambiguous=0,
                        next_attempt=moment,
                        last_error=None,
                    )
                )
                if taken.rowcount != 1:
                    continue
                db.execute(redeliveries.delete().where(redeliveries.c.outbox_id == row.id))
                db.execute(
                    insert(redeliveries).values(
                        outbox_id=row.id,
                        reason=row.last_error or "given up",
                        # A row is marked dead with next_attempt set to that moment.
                        dead_since=row.next_attempt,
                        requested=moment,
                    )
                )
                put_back[row.target] = put_back.get(row.target, 0) + 1
        return put_back

    def target_failures(self) -> dict[str, TargetFailures]:
        """Each target with failed deliveries: how many are dead or still waiting, since when,
        and the last error. A row put back by `retry_dead` has a fresh count of attempts and is
        still a failed delivery until it is sent: its target has not been seen to work again."""
        put_back = select(redeliveries.c.outbox_id).where(redeliveries.c.outbox_id == outbox.c.id)
        failed = (outbox.c.attempts > 0) | put_back.exists()
        waiting = outbox.c.status.in_(("pending", "ambiguous", "sending"))
        dead = outbox.c.status == "dead"
        with self.transaction() as db:
            rows = db.execute(
                select(
                    outbox.c.target,
                    func.sum(case((dead, 1), else_=0)),
                    func.min(case((dead, outbox.c.next_attempt))),
                    func.sum(case((waiting, 1), else_=0)),
                    func.min(case((waiting, outbox.c.created))),
                    func.max(outbox.c.id),
                )
                .where(failed, dead | waiting)
                .group_by(outbox.c.target)
            ).all()
            errors = dict(
                db.execute(
                    select(outbox.c.id, outbox.c.last_error).where(
                        outbox.c.id.in_([row[5] for row in rows])
                    )
                ).all()
            )
        return {
            row[0]: TargetFailures(
                dead=int(row[1] or 0),
                dead_since=clock.aware(_datetime(row[2])),
                waiting=int(row[3] or 0),
                waiting_since=clock.aware(_datetime(row[4])),
                last_error=errors.get(row[5]),
            )
            for row in rows
        }

    def reported_health(self) -> dict[str, str]:
        """What the last operator alert said of each target: "ok" or "failing"."""
        with self.transaction() as db:
            rows = db.execute(select(target_health.c.target, target_health.c.health)).all()
        return {row[0]: row[1] for row in rows}

    def set_target_health(self, db: Connection, target: str, was: str, health: str) -> bool:
        """Compare and set, in the caller's transaction: the target's reported health goes
        from `was` to `health`; False when another process changed it first."""
        moment = clock.now()
        changed = db.execute(
            update(target_health)
            .where(target_health.c.target == target, target_health.c.health == was)
            .values(health=health, changed=moment)
        )
        if changed.rowcount == 1:
            return True
        if was != "ok":
            return False
        known = db.execute(
            select(target_health.c.target).where(target_health.c.target == target)
        ).first()
        if known is not None:
            return False
        db.execute(insert(target_health).values(target=target, health=health, changed=moment))
        return True

    def dead_counts(self) -> dict[str, int]:
        """Dead rows per target."""
        with self.transaction() as db:
            rows = db.execute(
                select(outbox.c.target, func.count())
                .where(outbox.c.status == "dead")
                .group_by(outbox.c.target)
            ).all()
        return {target: int(count) for target, count in rows}

    def outbox_counts(self) -> dict[str, int]:
        """Rows per state: pending, sending, sent, ambiguous, dead (only the states present)."""
        with self.transaction() as db:
            rows = db.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
        return {status: int(count) for status, count in rows}

    def dead_letters(self, limit: int = 100) -> list[tuple[int, str, int, str | None]]:
        """The rows given up on, newest first: (alert id, target, attempts, why)."""
        with self.transaction() as db:
            rows = db.execute(
                select(outbox.c.alert_id, outbox.c.target, outbox.c.attempts, outbox.c.last_error)
                .where(outbox.c.status == "dead")
                .order_by(outbox.c.id.desc())
                .limit(limit)
            ).all()
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    def recent_alerts(self, limit: int) -> list[AlertRecord]:
        with self.transaction() as db:
            rows = db.execute(select(alerts).order_by(alerts.c.id.desc()).limit(limit)).all()
            records = []
            for row in rows:
                deliveries = db.execute(
                    select(outbox.c.target, outbox.c.status, outbox.c.attempts, outbox.c.last_error)
                    .where(outbox.c.alert_id == row.id)
                    .order_by(outbox.c.id)
                ).all()
                records.append(
                    AlertRecord(
                        id=row.id,
                        event_id=row.event_id,
                        kind=row.kind,
                        title=row.title,
                        created=clock.aware(row.created) or clock.now(),
                        deliveries=tuple((d[0], d[1], d[2], d[3]) for d in deliveries),
                    )
                )
        return records


def _datetime(value: object) -> datetime | None:
    """An aggregate of a DateTime column: SQLite gives MIN(...) back as text."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _outbox_rows() -> Any:
    return select(
        outbox,
        alerts.c.title,
        alerts.c.text,
        alerts.c.markdown,
        alerts.c.html,
        redeliveries.c.reason.label("dead_reason"),
        redeliveries.c.dead_since,
    ).select_from(
        outbox.join(alerts, alerts.c.id == outbox.c.alert_id).outerjoin(
            redeliveries, redeliveries.c.outbox_id == outbox.c.id
        )
    )


def _due(moment: datetime) -> Any:
    """Waiting rows whose time has come, and claims whose lease ran out."""
    return outbox.c.status.in_(("pending", "ambiguous", "sending")) & (
        outbox.c.next_attempt <= moment
    )


def _outbox_row(r: Any, ambiguous: int) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        alert_id=r["alert_id"],
        target=r["target"],
        url_index=r["url_index"],
        url_digest=r["url_digest"],
        format=r["format"],
        status=r["status"],
        attempts=r["attempts"] + 1,
        ambiguous=ambiguous,
        title=r["title"],
        text=r["text"],
        markdown=r["markdown"],
        html=r["html"],
        queued=clock.aware(r["created"]),
        last_error=r["last_error"],
        redelivery=Redelivery(r["dead_reason"], clock.aware(r["dead_since"]) or clock.now())
        if r["dead_reason"] is not None
        else None,
    )
