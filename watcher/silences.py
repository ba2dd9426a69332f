"""Silences: a detection and the active silences in, the targets it must not go to out. Pure.

A silence mutes alerts that match every matcher it has — rule, place, actor — until it expires,
for every target or for one (as Alertmanager's silences do). A muted report is still recorded,
joins its event, and shows in `watcher events`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watcher.detection import Detection


@dataclass(frozen=True)
class Silence:
    id: int
    rule: str | None
    place: str | None
    actor: str | None
    target: str | None  # None: every target
    comment: str
    created: datetime
    expires: datetime

    def describe(self) -> str:
        parts = [
            f"{name}={value!r}"
            for name, value in (
                ("rule", self.rule),
                ("place", self.place),
                ("actor", self.actor),
                ("target", self.target),
            )
            if value
        ]
        return " ".join(parts) or "everything"


def fold(text: str) -> str:
    """Case, accents and punctuation ignored: "Sinjār" and "sinjar" are one place to a user."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if c.isalnum() or c.isspace())
    return " ".join(kept.split())


def _matches(silence: Silence, detection: Detection) -> bool:
    fields = detection.fields
    if silence.rule and silence.rule != detection.rule_id:
        return False
    if silence.place:
        wanted = fold(silence.place)
        names = {fold(n) for p in fields.places for n in (p.name, p.governorate or "", p.country)}
        names |= {fold(c) for c in fields.countries}
        if wanted not in names:
            return False
    return not silence.actor or (
        fields.actor is not None and fold(silence.actor) in fold(fields.actor)
    )


def muted_targets(
    detection: Detection, targets: Iterable[str], silences: Sequence[Silence], now: datetime
) -> set[str]:
    """The targets this detection must not reach because an active silence matches it."""
    muted: set[str] = set()
    names = set(targets)
    for silence in silences:
        if silence.expires <= now or not _matches(silence, detection):
            continue
        muted |= names if silence.target is None else names & {silence.target}
    return muted
