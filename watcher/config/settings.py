"""The [watcher] table in, `Settings` out: where the state lives, how feeds are polled, the
metrics and web view listeners; reads the web view's token from the environment or a systemd
credential."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watcher.config.reading import (
    MAX_DURATION,
    MIN_INTERVAL,
    Reader,
    boolean,
    count,
    duration_between,
    number,
    parse_duration,
    read_credential,
    read_interval,
    string,
    strings,
)


@dataclass(frozen=True)
class Settings:
    """The [watcher] table."""

    database: str
    state_directory: Path
    allow_private_networks: tuple[str, ...] = ()
    default_interval: float = 600.0
    jitter: float = 0.1
    max_item_age_days: float = 7.0
    backfill: int = 0
    workers: int = 16
    per_host: int = 4
    failure_backoff_max: float = 6 * 3600.0
    failures_before_error: int = 3
    silent_after_hours: float = 72.0
    storm_limit: int = 20
    fetch_articles: bool = True
    fetch_timeout: float = 15.0
    max_bytes: int = 5 * 2**20
    metrics_listen: str = ""
    retention_days: float = 90.0
    web_listen: str = ""
    # Read from the environment or a systemd credential at load; never written in the file.
    web_token: str = field(default="", repr=False)


def default_state_directory() -> Path:
    """systemd's StateDirectory= when running as a service, else the XDG state directory."""
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "watcher"


def _networks(value: object) -> tuple[str, ...]:
    networks = strings(value)
    for text in networks:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError(f"{text!r} is not a CIDR network") from None
    return networks


def _listen(value: object) -> str:
    address = string(value)
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("must be host:port")
    return address


_SETTINGS_KEYS = (
    "database",
    "state_directory",
    "allow_private_networks",
    "default_interval",
    "jitter",
    "max_item_age",
    "backfill",
    "workers",
    "per_host",
    "failure_backoff_max",
    "failures_before_error",
    "silent_after",
    "storm_limit",
    "fetch_articles",
    "fetch_timeout",
    "max_bytes",
    "metrics_listen",
    "retention",
    "web_listen",
    "web_token_env",
    "web_token_credential",
)


def read_settings(reader: Reader, data: object) -> Settings:
    table = reader.table(data, "watcher", _SETTINGS_KEYS)
    state = Path(
        reader.get(
            table,
            "watcher",
            "state_directory",
            string,
            str(default_state_directory()),
            'write a directory path, e.g. state_directory = "/var/lib/watcher"',
        )
    ).expanduser()
    database = reader.get(
        table,
        "watcher",
        "database",
        string,
        f"sqlite:///{state / 'state.db'}",
        'write an SQLAlchemy URL, e.g. database = "sqlite:////var/lib/watcher/state.db"',
    )
    if not re.match(r"^[a-z][a-z0-9+]*://", database):
        reader.problem(
            "watcher.database",
            "is not an SQLAlchemy URL",
            database,
            'write e.g. "sqlite:////var/lib/watcher/state.db" or "postgresql://host/watcher"',
        )
    return Settings(
        database=database,
        state_directory=state,
        allow_private_networks=reader.get(
            table,
            "watcher",
            "allow_private_networks",
            _networks,
            (),
            'write a list of CIDRs, e.g. ["127.0.0.1/32"]; leave it out in production',
        ),
        default_interval=read_interval(reader, table, "watcher", "default_interval", 600.0),
        jitter=reader.get(
            table,
            "watcher",
            "jitter",
            number(0, 0.5),
            0.1,
            "write a fraction of the interval between 0 and 0.5",
        ),
        max_item_age_days=reader.get(
            table,
            "watcher",
            "max_item_age",
            parse_duration,
            7 * 86400.0,
            'write a duration, e.g. "7d"',
        )
        / 86400,
        backfill=reader.get(
            table,
            "watcher",
            "backfill",
            count(0),
            0,
            "write how many items of a new feed may alert on its first poll, e.g. 0",
        ),
        # Upper limits: each worker is a thread and each slot a connection to one host.
        workers=reader.get(
            table, "watcher", "workers", count(1, 256), 16, "write from 1 to 256, e.g. 16"
        ),
        per_host=reader.get(
            table, "watcher", "per_host", count(1, 64), 4, "write from 1 to 64, e.g. 4"
        ),
        failure_backoff_max=reader.get(
            table,
            "watcher",
            "failure_backoff_max",
            duration_between(MIN_INTERVAL, MAX_DURATION),
            6 * 3600.0,
            'write a duration of a minute or more, e.g. "6h"',
        ),
        failures_before_error=reader.get(
            table,
            "watcher",
            "failures_before_error",
            count(1, 1000),
            3,
            "write from 1 to 1000, e.g. 3",
        ),
        silent_after_hours=reader.get(
            table,
            "watcher",
            "silent_after",
            duration_between(3600, MAX_DURATION),
            72 * 3600.0,
            'write a duration of an hour or more, e.g. "3d"',
        )
        / 3600,
        storm_limit=reader.get(
            table,
            "watcher",
            "storm_limit",
            count(1),
            20,
            "write how many alerts one feed may send per hour, e.g. 20",
        ),
        fetch_articles=reader.get(
            table, "watcher", "fetch_articles", boolean, True, "write true or false"
        ),
        fetch_timeout=reader.get(
            table,
            "watcher",
            "fetch_timeout",
            number(1, 120),
            15.0,
            "write seconds between 1 and 120",
        ),
        max_bytes=reader.get(
            table,
            "watcher",
            "max_bytes",
            count(1024, 2**30),
            5 * 2**20,
            "write a byte count from 1024 to 1073741824, e.g. 5242880",
        ),
        retention_days=reader.get(
            table,
            "watcher",
            "retention",
            # Shorter, and items still listed by a feed would be forgotten and alert again.
            duration_between(86400, MAX_DURATION),
            90 * 86400.0,
            'write a duration of a day or more, e.g. "90d"',
        )
        / 86400,
        metrics_listen=reader.get(
            table,
            "watcher",
            "metrics_listen",
            _listen,
            "",
            'write host:port, e.g. "127.0.0.1:9464"',
        ),
        **_web_settings(reader, table),
    )


def _web_settings(reader: Reader, table: Mapping[str, Any]) -> dict[str, str]:
    """web_listen, and the token every request must carry when it is set. Beyond loopback a
    token is required: the view shows what the feeds said and where alerts went (issue #14)."""
    listen = reader.get(
        table, "watcher", "web_listen", _listen, "", 'write host:port, e.g. "127.0.0.1:8470"'
    )
    env = reader.get(
        table, "watcher", "web_token_env", string, "", "write the name of an environment variable"
    )
    credential = reader.get(
        table,
        "watcher",
        "web_token_credential",
        string,
        "",
        "write the name of a systemd credential",
    )
    token = ""
    if env:
        token = os.environ.get(env, "").strip()
        if not token:
            reader.problem(
                "watcher.web_token_env",
                "names an environment variable that is unset or empty",
                env,
                f"set {env} to a long random string in the service's environment",
            )
    elif credential:
        lines = read_credential(reader, "watcher.web_token_credential", credential, "a token")
        token = lines[0] if lines else ""
    host = listen.rpartition(":")[0].strip("[]")
    if listen and not token and not (env or credential) and not _is_loopback(host):
        reader.problem(
            "watcher.web_listen",
            "listens beyond loopback without a token",
            listen,
            'set web_token_env = "WATCHER_WEB_TOKEN" or web_token_credential = "web-token", '
            'or listen on "127.0.0.1:PORT"',
        )
    return {"web_listen": listen, "web_token": token}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
