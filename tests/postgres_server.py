"""A throwaway PostgreSQL server for the tests and benches, from the distribution's package.

`start_server` runs `initdb` in a fresh temporary directory and starts `postgres` listening on
a Unix socket in it only (no TCP port, so parallel runs never collide). PostgreSQL refuses to
run as root, so when the tests run as root the server runs as `nobody` (the directory is
handed to it). `LEDGER_POSTGRES_URL` names an existing server to use instead; each test then
works in a schema of its own there, which it drops at the end.

A run killed with SIGKILL runs no teardown, so its server would outlive it: each server's
directory names the process that started it (`owner.pid`), and `start_server` first stops and
removes the servers whose owner is gone (`reap_orphans`).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

from replay.outputs import process_alive

SERVER_USER = "nobody"
#: Names the process that started a server, in the server's directory.
OWNER_FILE = "owner.pid"
#: Settings for a server whose data is thrown away: no fsync, small memory.
THROWAWAY_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class NoServer(Exception):
    """Why no PostgreSQL server could be started (the message says what is missing)."""


@dataclass
class Server:
    url: str
    """An admin URL: the database every schema is created in."""
    directory: Path | None = None
    """The data and socket directory of a server started here (None: an existing one)."""


def find_bin(name: str) -> str:
    """A PostgreSQL program: on PATH, else in the newest /usr/lib/postgresql/*/bin."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = shutil.which(name) or (candidates[0] if candidates else None)
    if found is None:
        raise NoServer(
            f"no `{name}` on PATH or in /usr/lib/postgresql/*/bin: install the distribution's "
            "`postgresql` package, or set LEDGER_POSTGRES_URL to an existing server"
        )
    return found


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        raise NoServer("running as root without `runuser`: cannot start postgres unprivileged")
    return ["runuser", "-u", SERVER_USER, "--", *command]


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise NoServer(f"{what} failed ({done.returncode}): {done.stderr.strip()[-600:]}")


def _servers_parent() -> Path:
    """Where servers' directories go: /tmp when root, so the server's user can reach it
    whatever TMPDIR says (and a Unix socket's path stays short); else the temp directory."""
    return Path("/tmp" if os.geteuid() == 0 else tempfile.gettempdir())


def reap_orphans() -> list[Path]:
    """Stop and remove the servers whose starting process is gone (a run killed by SIGKILL);
    the directories removed. A directory without a readable owner is left alone: it is being
    set up, or it is not one of these servers."""
    reaped = []
    for directory in sorted(_servers_parent().glob("ledger-pg-*")):
        try:
            owner = int((directory / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not process_alive(owner):
            stop_server(Server("", directory))
            reaped.append(directory)
    return reaped


def start_server(settings: tuple[str, ...] = THROWAWAY_SETTINGS) -> Server:
    """initdb + pg_ctl start in a new temporary directory; `stop_server` undoes it. The
    servers of killed runs are stopped first (`reap_orphans`)."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    reap_orphans()
    directory = Path(tempfile.mkdtemp(prefix="ledger-pg-", dir=_servers_parent()))
    (directory / OWNER_FILE).write_text(str(os.getpid()))
    directory.chmod(0o755)  # the test process must reach the socket
    data = directory / "data"
    if os.geteuid() == 0:
        import pwd

        entry = pwd.getpwnam(SERVER_USER)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    _run(
        _as_server_user(
            [initdb, "-D", str(data), "-U", "ledger", "--auth=trust", "-E", "UTF8", "--no-sync"]
        ),
        "initdb",
    )
    options = " ".join(
        [f"-k {directory}", "-c listen_addresses=''", *(f"-c {item}" for item in settings)]
    )
    log = directory / "server.log"
    try:
        _run(
            _as_server_user(
                [pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start"]
            ),
            "pg_ctl start",
        )
    except NoServer as error:
        tail = log.read_text()[-600:] if log.exists() else ""
        shutil.rmtree(directory, ignore_errors=True)
        raise NoServer(f"{error}\n{tail}") from error
    return Server(f"postgresql://ledger@/postgres?host={quote(str(directory))}", directory)


def stop_server(server: Server) -> None:
    if server.directory is None:
        return
    subprocess.run(
        _as_server_user(
            [find_bin("pg_ctl"), "-D", str(server.directory / "data"), "-m", "fast", "-w", "stop"]
        ),
        capture_output=True,
        timeout=120,
        check=False,
    )
    shutil.rmtree(server.directory, ignore_errors=True)


def without_server(message: str) -> NoReturn:
    """Skip the test saying why, or fail it in CI (`CI=true`), where it must run."""
    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def server_from_env_or_start() -> Server:
    existing = os.environ.get("LEDGER_POSTGRES_URL")
    return Server(existing) if existing else start_server()


def with_schema(url: str, schema: str) -> str:
    """The URL with its `search_path` set to `schema`: a log of its own on the same server."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def fresh_schema(server: Server) -> Iterator[str]:
    """A URL whose log lives in a new empty schema, dropped afterwards."""
    import psycopg

    schema = f"ledger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(server.url, schema)
    finally:
        with psycopg.connect(server.url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
