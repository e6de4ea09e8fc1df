"""Connections for the long-running commands on a PostgreSQL log: one pool per URL and process.

`follow`, `replay`, `import`, `copy`, `rebuild`, `export` and `audit` may run for hours; a
connection can be lost meanwhile (a server restart or failover, a proxy or firewall closing an
idle session). Their stores take connections from a `psycopg_pool.ConnectionPool` instead of
opening one of their own:

- a connection is checked before it is handed out (`check_connection`), and a lost one is
  replaced by the pool, which keeps reconnecting with backoff while the server is away;
- a store that finds its connection lost between reads takes a live one and repeats the read
  (reads change nothing); an append is never repeated (its commit may have happened): the
  error goes to the caller, and the next append runs on a live connection;
- `follow`'s listening connection comes from the same pool: when it is lost the follower
  LISTENs again on a new one and reads the log from its position, so nothing appended
  meanwhile is missed;
- every store and listener of one URL in the process shares the pool (at most
  `MAX_CONNECTIONS`), which is closed when the last of them is.

Short commands (`info`, `log`, `state`, ...) open one plain connection: the pool's probe,
worker threads and health check made opening, one read and closing 1.1-1.6× as slow
(measured), for a lost connection they do not live to see.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from ledger.errors import StoreIOError
from ledger.pg_schema import describe_url, server_error

#: A store, `follow`'s listener, and room for a second store on the same URL (`diff`, `copy`).
MAX_CONNECTIONS = 4
#: How long a command waits for a live connection (a server restarting) before it gives up.
WAIT_S = 30.0
APPLICATION_NAME = "defi-ledger"

#: The pool logs each attempt to reconnect while a server is away: dozens of lines in `WAIT_S`,
#: which Python's last-resort handler would print when nothing configured logging. The command
#: that gives up says why, once; an application that configures logging (or `--debug`) sees
#: them, as the logging guide asks of a library.
logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())

_lock = threading.Lock()
_pools: dict[str, tuple[ConnectionPool[Any], int]] = {}


def acquire(url: str) -> ConnectionPool[Any]:
    """The pool for `url`, opened on first use (one more holder until `release`).

    Raises `StoreIOError` naming the server's own reason when it cannot be reached now.
    """
    with _lock:
        found = _pools.get(url)
        if found is not None:
            _pools[url] = (found[0], found[1] + 1)
            return found[0]
        try:  # a pool would retry a wrong URL until its timeout: say what is wrong at once
            psycopg.connect(url, connect_timeout=int(WAIT_S)).close()
        except psycopg.Error as error:
            raise server_error(url, error, f"cannot connect to {describe_url(url)}") from error
        pool: ConnectionPool[Any] = ConnectionPool(
            url,
            kwargs={"autocommit": True, "application_name": APPLICATION_NAME},
            min_size=1,
            max_size=MAX_CONNECTIONS,
            check=ConnectionPool.check_connection,
            name=f"defi-ledger {describe_url(url)}",
            timeout=WAIT_S,
            open=False,
        )
        pool.open()
        _pools[url] = (pool, 1)
        return pool


def release(pool: ConnectionPool[Any]) -> None:
    """One holder less; the pool is closed (its connections too) when none is left."""
    with _lock:
        for url, (held, holders) in list(_pools.items()):
            if held is pool:
                if holders > 1:
                    _pools[url] = (held, holders - 1)
                    return
                del _pools[url]
                break
    pool.close()


def take(pool: ConnectionPool[Any], url: str) -> psycopg.Connection[Any]:
    """A live connection from `pool`, or `StoreIOError` after `WAIT_S` without one."""
    try:
        connection: psycopg.Connection[Any] = pool.getconn(timeout=WAIT_S)
    except PoolTimeout as error:
        raise StoreIOError(
            f"no live connection to {describe_url(url)} within {WAIT_S:.0f} s: {error}"
        ) from error
    return connection


def give_back(pool: ConnectionPool[Any], connection: psycopg.Connection[Any]) -> None:
    """Return a connection (a lost or closed one is dropped and replaced by the pool)."""
    if not pool.closed:
        pool.putconn(connection)
    elif not connection.closed:
        connection.close()


def hold(url: str) -> tuple[ConnectionPool[Any], psycopg.Connection[Any]]:
    """The pool for `url` (one more holder) and a live connection from it."""
    pool = acquire(url)
    try:
        return pool, take(pool, url)
    except BaseException:
        release(pool)
        raise


def let_go(pool: ConnectionPool[Any], connection: psycopg.Connection[Any]) -> None:
    """Undo `hold`: the connection back to the pool, and one holder less."""
    try:
        give_back(pool, connection)
    finally:
        release(pool)


def open_pools() -> int:
    """How many pools are open in this process (for tests: none once every store is closed)."""
    with _lock:
        return len(_pools)
