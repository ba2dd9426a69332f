"""The exceptions watcher raises, in one tree.

WatcherError                 base; every error a user can see
├── ConfigError              the TOML file is wrong: .problems lists each one (file, key path,
│                            bad value, what to write instead); the CLI prints them, exit 2
├── FetchError               an HTTP fetch failed or was refused: .url, .reason, .status,
│   │                        .retry_after (seconds, from a 429/503), .transient
│   └── RefusedError         refused before connecting (scheme, port, private address)
├── ParseError               a feed could not be parsed, or its parse was killed (size, time)
├── ExtractError             no main text could be extracted from an article page
├── StateError               the database is unusable (corrupt, read-only, newer schema):
│                            fail closed rather than start fresh and re-alert everything
└── DeliveryError            a notifier failed: .target, .outcome
"""

from __future__ import annotations

from dataclasses import dataclass


class WatcherError(Exception):
    """Base of every error watcher raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a config file, said so that the user can fix it."""

    file: str
    path: str
    message: str
    value: object = None
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value!r})"
        if self.fix:
            text += f"; {self.fix}"
        return text


class ConfigError(WatcherError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class FetchError(WatcherError):
    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        transient: bool = True,
    ) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.transient = transient
        super().__init__(f"{url}: {reason}")


class RefusedError(FetchError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=False)


class ParseError(WatcherError):
    pass


class ExtractError(WatcherError):
    pass


class StateError(WatcherError):
    pass


class DeliveryError(WatcherError):
    def __init__(self, target: str, outcome: str) -> None:
        self.target = target
        self.outcome = outcome
        super().__init__(f"target {target}: {outcome}")
