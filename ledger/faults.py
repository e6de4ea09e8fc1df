"""What SQLite's and the operating system's errors mean for a log, as the ledger's own errors.

SQLite reports every fault as `sqlite3.OperationalError` or `sqlite3.DatabaseError`, whether
the disk is full, the file read-only, locked by another process, damaged, or not a database at
all. Each of those calls for a different answer (free space, fix permissions, wait, restore a
copy, name the right file), so `sqlite_fault` reads SQLite's own error name and gives the
error of `ledger.errors` that says which it is, with the file named. SQLite says "file is not a
database" both of a file that never was one and of a database whose header was overwritten:
the file's first bytes tell them apart (`begins_as_sqlite`).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from ledger.errors import NotALedger, StoreDamaged, StoreError, StoreIOError

LOCK_TIMEOUT_ENV = "DEFI_LEDGER_LOCK_TIMEOUT_S"


def lock_timeout_s() -> float:
    """How long to wait for another process's lock: `DEFI_LEDGER_LOCK_TIMEOUT_S`, or 60 s."""
    try:
        return max(0.0, float(os.environ.get(LOCK_TIMEOUT_ENV, "60")))
    except ValueError:
        return 60.0


def read_only_message(where: str) -> str:
    """Why nothing was written to a PostgreSQL log, and what to do: `SQLITE_READONLY`'s
    counterpart for a replica, a read-only session or a role without the privilege."""
    return (
        f"{where} is read-only here (a replica, or a role that may not write): nothing was "
        "written; write on the primary as a role that may"
    )


#: SQLite error-name prefixes and what they mean, in the words a person acts on.
_SQLITE_IO_FAULTS: tuple[tuple[str, str], ...] = (
    ("SQLITE_FULL", "the disk is full (or a file-size limit was reached) writing {path}"),
    ("SQLITE_READONLY", "{path} is read-only (file, folder or mount); nothing was written"),
    ("SQLITE_BUSY", "{path} is locked by another process; try again when it has finished"),
    ("SQLITE_LOCKED", "{path} is locked by another connection; try again"),
    ("SQLITE_CANTOPEN", "cannot open {path} (its folder is missing or not writable)"),
    ("SQLITE_PERM", "no permission to use {path}"),
    ("SQLITE_AUTH", "no permission to use {path}"),
    ("SQLITE_NOMEM", "out of memory while using {path}"),
    ("SQLITE_IOERR", "an I/O error on {path} (disk full, file-size limit or a failing disk)"),
)

#: errno values that are the environment's fault, not the input's nor a bug.
OS_ENVIRONMENT_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EFBIG,
        errno.EDQUOT,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EIO,
        errno.EEXIST,
        errno.EBUSY,
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOMEM,
        errno.EXDEV,
        errno.ENOTEMPTY,
    }
)


SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def begins_as_sqlite(path: str | Path | None) -> bool:
    """Whether the file at `path` begins with SQLite's header string: a file SQLite wrote, so
    one it cannot read is damaged rather than some other file named by mistake."""
    if path is None:
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


RESTORE_HINT = "restore it from a copy, and check the copy with `defi-ledger verify --deep`"
"""What to do with a damaged file. Not `verify --deep` on the file itself: damage SQLite meets
on opening (its header, its first page) stops that command at the same place."""


def sqlite_fault(error: sqlite3.Error, path: str | Path | None) -> StoreError | None:
    """The ledger error that `error` (raised on the log at `path`) means, or None for a bug.

    None is returned for faults of the program's own making (a wrong SQL statement, a misuse
    of the connection): those are bugs and must surface as such, not as I/O faults.
    """
    where = str(path) if path is not None else "the log"
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    if name.startswith("SQLITE_NOTADB") or "file is not a database" in text:
        if begins_as_sqlite(path):
            return StoreDamaged(
                f"{where} is damaged: an SQLite file whose header SQLite cannot read ({text}); "
                f"{RESTORE_HINT}"
            )
        return NotALedger(
            f"{where} is not a defi-ledger log (not an SQLite database); name the log's file, "
            "or create a log with `defi-ledger init`"
        )
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text or "decode to UTF-8" in text:
        return StoreDamaged(f"{where} is damaged ({text}); {RESTORE_HINT}")
    for prefix, message in _SQLITE_IO_FAULTS:
        if name.startswith(prefix):
            return StoreIOError(f"{message.format(path=where)} [{name}: {text}]")
    for needle, prefix in (
        ("database or disk is full", "SQLITE_FULL"),
        ("readonly database", "SQLITE_READONLY"),
        ("database is locked", "SQLITE_BUSY"),
        ("unable to open database", "SQLITE_CANTOPEN"),
        ("disk I/O error", "SQLITE_IOERR"),
    ):
        if needle in text:
            message = dict(_SQLITE_IO_FAULTS)[prefix]
            return StoreIOError(f"{message.format(path=where)} [{text}]")
    return None


def make_folder(folder: Path) -> None:
    """Make the folder an output goes into, with its missing parents (as `mkdir -p`): every
    command that writes a new file or folder takes a path in a folder that is not there yet.

    A file in the way is named as one (`ENOTDIR`, an environment fault), not as "File exists".
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:
        raise NotADirectoryError(
            errno.ENOTDIR, os.strerror(errno.ENOTDIR), error.filename
        ) from error


def os_fault(error: OSError) -> StoreIOError | None:
    """The environment fault an `OSError` reports, naming the file; None if it is not one."""
    if error.errno not in OS_ENVIRONMENT_ERRNOS:
        return None
    what = error.strerror or str(error)
    if error.filename is not None:
        target = f" ({error.filename2})" if error.filename2 is not None else ""
        return StoreIOError(f"{what}: {error.filename}{target}")
    return StoreIOError(what)
