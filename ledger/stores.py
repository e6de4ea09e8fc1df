"""One way to open a log by where it is: a path is an SQLite file, a URL a PostgreSQL log.

`postgresql://user@host/db` (or `postgres://`) selects `PostgresStore`; anything else is a
path. psycopg (and psycopg_pool, for a pooled store) is imported only when a URL is opened,
so SQLite users never load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from ledger.clock import Clock
from ledger.errors import StoreError
from ledger.sqlite_store import SqliteStore

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore

URL_SCHEMES = ("postgresql://", "postgres://")
LogStore: TypeAlias = "SqliteStore | PostgresStore"
"""A log that persists: what `open_store` gives (views and snapshots can live beside it)."""


def is_postgres_url(target: object) -> bool:
    """Whether a `--db` value names a PostgreSQL log rather than an SQLite file."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def open_store(
    target: str | Path, *, create: bool = False, clock: Clock | None = None, pooled: bool = False
) -> LogStore:
    """The store at `target`: `PostgresStore` for a PostgreSQL URL, else `SqliteStore`.

    `pooled`: a PostgreSQL log's connection comes from the process's pool for the URL
    (`ledger.pg_pool`, for long-running commands); an SQLite file has no use for one.

    Raises `StoreError` when there is no log there (and `create` is false) or it cannot be
    reached.
    """
    if is_postgres_url(str(target)):
        return open_postgres(str(target), clock=clock, create=create, pooled=pooled)
    return SqliteStore(target, clock=clock, create=create)


def open_postgres(
    url: str, *, create: bool = False, clock: Clock | None = None, pooled: bool = False
) -> PostgresStore:
    """The PostgreSQL log at `url` (`open_store` for a URL): psycopg is imported here."""
    try:
        from ledger.postgres_store import PostgresStore

        if pooled:
            import ledger.pg_pool  # noqa: F401  # psycopg_pool: here, to name it if missing
    except ImportError as error:
        raise StoreError(
            "a PostgreSQL log needs psycopg and psycopg-pool: "
            f"pip install 'defi-ledger[postgres]' ({error})"
        ) from error
    return PostgresStore(url, clock=clock, create=create, pooled=pooled)


def describe_target(target: str | Path) -> str:
    """A log's location for messages: the path, or the URL without its password."""
    if is_postgres_url(str(target)):
        from ledger.pg_schema import describe_url

        return describe_url(str(target))
    return str(target)
