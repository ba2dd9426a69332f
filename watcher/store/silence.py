"""Silences: who muted what, until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from watcher.silences import Silence
from watcher.store import clock
from watcher.store.engine import Database, new_id
from watcher.store.schema import silences


class SilenceStore(Database):
    """Silences: added, listed, expired."""

    def add_silence(
        self,
        *,
        rule: str | None,
        place: str | None,
        actor: str | None,
        target: str | None,
        comment: str,
        expires: datetime,
    ) -> int:
        with self.transaction() as db:
            return new_id(
                db.execute(
                    insert(silences).values(
                        rule=rule,
                        place=place,
                        actor=actor,
                        target=target,
                        comment=comment,
                        created=clock.now(),
                        expires=expires,
                    )
                )
            )

    def silences(self, *, active_at: datetime | None = None) -> list[Silence]:
        """Every silence, newest first; with `active_at`, only those not expired by then."""
        query = select(silences).order_by(silences.c.id.desc())
        if active_at is not None:
            query = query.where(silences.c.expires > active_at)
        with self.transaction() as db:
            rows = db.execute(query).all()
        return [
            Silence(
                id=r.id,
                rule=r.rule,
                place=r.place,
                actor=r.actor,
                target=r.target,
                comment=r.comment,
                created=clock.aware(r.created) or clock.now(),
                expires=clock.aware(r.expires) or clock.now(),
            )
            for r in rows
        ]

    def expire_silence(self, silence_id: int) -> bool:
        with self.transaction() as db:
            result = db.execute(
                update(silences)
                .where(silences.c.id == silence_id, silences.c.expires > clock.now())
                .values(expires=clock.now())
            )
        return bool(result.rowcount)
