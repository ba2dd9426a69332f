"""The [targets.NAME] tables in, a `Target` each out: the apprise URLs written in the file, in an
environment variable or in a systemd credential, each loaded through apprise to check it
(alerts.check_url), and the format the target takes."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from watcher.config.reading import NONE, Reader, read_credential, string, strings


@dataclass(frozen=True)
class Target:
    """A named destination: one or more apprise URLs, resolved secrets included."""

    name: str
    urls: tuple[str, ...]
    format: str


FORMATS = ("text", "markdown", "html")

_TARGET_KEYS = ("url", "urls", "env", "credential", "format")


def read_targets(reader: Reader, data: object) -> dict[str, Target]:
    if data is None:
        return {}
    table = reader.table(data, "targets", list(data) if isinstance(data, dict) else [])
    targets: dict[str, Target] = {}
    for name, entry in table.items():
        path = f"targets.{name}"
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            reader.problem(path, "target names may hold letters, digits, - and _ only", name)
        spec = reader.table(entry, path, _TARGET_KEYS)
        # Each URL with where it came from, so that a problem with it names that place.
        sources: list[tuple[str, str, str]] = []  # (key path, where in words, url)
        written = reader.get(spec, path, "url", strings, NONE, 'write url = "slack://…"')
        sources += [(f"{path}.url", "the URL", url) for url in written]
        listed = reader.get(spec, path, "urls", strings, NONE, 'write urls = ["mailto://…"]')
        sources += [(f"{path}.urls[{n}]", "the URL", url) for n, url in enumerate(listed)]
        env = reader.get(spec, path, "env", string, "", "write the name of an environment variable")
        if env:
            value = os.environ.get(env, "")
            if not value.strip():
                reader.problem(
                    f"{path}.env",
                    "names an environment variable that is unset or empty",
                    env,
                    f"set {env} to an apprise URL in the service's environment",
                )
            sources += [(f"{path}.env", f"the URL in ${env}", url) for url in value.split()]
        credential = reader.get(
            spec, path, "credential", string, "", "write the name of a systemd credential"
        )
        if credential:
            found = read_credential(reader, f"{path}.credential", credential)
            sources += [
                (f"{path}.credential", f"URL {n} of the credential {credential}", url)
                for n, url in enumerate(found, 1)
            ]
        urls = [url for _, _, url in sources]
        _check_urls(reader, sources)
        if not urls and not any(p.path.startswith(path) for p in reader.problems):
            reader.problem(
                path,
                "has no apprise URL",
                fix='write url = "…", env = "VARIABLE" or credential = "name"',
            )
        default_format = "html" if any(u.startswith("mailto") for u in urls) else "markdown"
        fmt = reader.get(
            spec, path, "format", string, default_format, f"write one of: {', '.join(FORMATS)}"
        )
        if fmt not in FORMATS:
            reader.problem(
                f"{path}.format",
                "is not a known format",
                fmt,
                f"write one of: {', '.join(FORMATS)}",
            )
            fmt = default_format
        targets[name] = Target(name=name, urls=tuple(urls), format=fmt)
    return targets


def _check_urls(reader: Reader, sources: Sequence[tuple[str, str, str]]) -> None:
    """Every URL loaded through apprise as it will be when an alert is sent: a URL that
    apprise cannot use would otherwise be found out by the first strike's alert (issue #15)."""
    if not sources:
        return
    from watcher.alerts import check_url  # loads apprise's plugins: only when there are URLs

    for key_path, where, url in sources:
        checked = check_url(url)
        if checked.problem:
            reader.problem(
                key_path,
                f"apprise cannot use {where}: {checked.problem}",
                checked.masked,
                "fix the URL as apprise's documentation of that service shows it",
            )
