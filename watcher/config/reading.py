"""How a config file's values are read: a table's values in, each one parsed, or a `Problem`
with its file, key path, value and fix collected; reads systemd credentials
($CREDENTIALS_DIRECTORY).

`Reader` walks one file and collects every problem instead of stopping at the first. The value
parsers here (`string`, `count`, `parse_duration`, ...) are handed to `Reader.get` by the module
of each table; a helper is here because two of those modules need it, and one that a single
table needs stays in that table's module.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from watcher.errors import Problem
from watcher.events import CHANGE_KINDS

T = TypeVar("T")

MIN_INTERVAL = 60.0
MAX_DURATION = 10 * 366 * 86400.0
NONE: tuple[str, ...] = ()

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class Reader:
    """Walks one file's tables, collecting every problem instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str, value: object = None, fix: str = "") -> None:
        self.problems.append(Problem(self.file, path, message, value, fix))

    def table(self, data: object, path: str, allowed: Sequence[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.problem(path, "must be a table", data, f"write [{path}]")
            return {}
        for key in data:
            if key not in allowed:
                self.problem(
                    f"{path}.{key}" if path else key,
                    "unknown key",
                    fix=f"allowed keys here: {', '.join(allowed)}",
                )
        return data

    def get(
        self,
        data: Mapping[str, Any],
        path: str,
        key: str,
        convert: Callable[[object], T],
        default: T,
        fix: str,
    ) -> T:
        if key not in data:
            return default
        try:
            return convert(data[key])
        except (TypeError, ValueError) as error:
            where = f"{path}.{key}" if path else key
            self.problem(where, str(error) or "bad value", data[key], fix)
            return default


def string(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value.strip()


def strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def parse_duration(value: object) -> float:
    """Seconds as a number, or a string with a unit: "90s", "15m", "2h", "1d"."""
    if isinstance(value, bool):
        raise ValueError("must be a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise ValueError("must be a duration")
    if seconds < 0:
        raise ValueError("must not be negative")
    if seconds > MAX_DURATION:
        # Far beyond this, date arithmetic overflows; no setting needs more than ten years.
        raise ValueError("must be at most ten years")
    return seconds


def duration_between(low: float, high: float) -> Callable[[object], float]:
    def convert(value: object) -> float:
        seconds = parse_duration(value)
        if seconds < low:
            raise ValueError(f"must be at least {_spoken(low)}")
        if seconds > high:
            raise ValueError(f"must be at most {_spoken(high)}")
        return seconds

    return convert


def _spoken(seconds: float) -> str:
    """A duration as it would be written in the file: "1d", "15m", "90s"."""
    for unit in ("d", "h", "m"):
        if seconds >= _UNITS[unit] and seconds % _UNITS[unit] == 0:
            return f"{seconds / _UNITS[unit]:g}{unit}"
    return f"{seconds:g}s"


def number(low: float, high: float | None = None) -> Callable[[object], float]:
    def convert(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be between {low} and {high}" if high else f"must be ≥ {low}")
        return float(value)

    return convert


def count(low: int, high: int | None = None) -> Callable[[object], int]:
    def convert(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"must be a whole number ≥ {low}")
        if high is not None and value > high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return convert


def read_interval(
    reader: Reader, table: Mapping[str, Any], path: str, key: str, default: float
) -> float:
    """How often a feed is polled: a duration of a minute or more, else `default`."""
    seconds = reader.get(table, path, key, parse_duration, default, 'write a duration, e.g. "10m"')
    if seconds < MIN_INTERVAL:
        reader.problem(
            f"{path}.{key}",
            "is shorter than 60 seconds",
            table.get(key),
            'poll no more often than once a minute, e.g. "5m"',
        )
        return default
    return seconds


def read_credential(
    reader: Reader, path: str, name: str, what: str = "one apprise URL per line"
) -> list[str]:
    """A systemd credential (LoadCredential=): one value per line, # comments allowed."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        reader.problem(
            path,
            "names a credential but $CREDENTIALS_DIRECTORY is not set",
            name,
            f"add LoadCredential={name}:/etc/credstore/{name} to the unit",
        )
        return []
    try:
        text = (Path(directory) / name).read_text(encoding="utf-8")
    except OSError as error:
        reader.problem(
            path,
            f"cannot read the credential: {error.strerror}",
            name,
            f"check LoadCredential={name}:… in the unit",
        )
        return []
    urls = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not urls:
        reader.problem(path, "the credential is empty", name, f"put {what} in it")
    return urls


UPDATE_FIX = f"write a list of these: {', '.join(CHANGE_KINDS)} (or [] for no updates)"


def change_kinds(value: object) -> tuple[str, ...]:
    """An update_on list, of [events] or of a route: kinds of change (events.CHANGE_KINDS)."""
    if value == []:
        return ()
    kinds = strings(value)
    unknown = [kind for kind in kinds if kind not in CHANGE_KINDS]
    if unknown:
        raise ValueError(f"names no kind of change: {', '.join(unknown)}")
    return tuple(dict.fromkeys(kinds))
