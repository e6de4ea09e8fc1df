"""Outputs that are complete or absent: a new log or an export set is built beside its
target under a hidden temporary name and moved into place only when it is finished.

A replay, fork or export killed (or out of disk) at any moment leaves the target as it was,
absent or the previous complete one, plus at most a hidden `.NAME.partial-PID` beside it
that nothing reads and the next run of the same kind removes. `os.replace` is atomic on
one file system, which building beside the target guarantees.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from events.rejections import RejectCode
from ledger.errors import RejectedError, StoreError
from ledger.faults import make_folder
from ledger.log_copy import copy_log
from ledger.sqlite_store import SqliteStore
from ledger.stores import describe_target, open_postgres

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore

PARTIAL_MARK = ".partial-"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class OutputExists(RejectedError):
    """The output exists and `--force` was not given: nothing is replaced without asking."""

    def __init__(self, target: Path) -> None:
        super().__init__(
            RejectCode.OUTPUT_EXISTS,
            f"{target} exists already; pass --force to replace it, or pick a new path",
        )


class OutputHoldsOthers(RejectedError):
    """The output folder holds a file the command never writes there: it is not replaced
    without asking."""

    def __init__(self, target: Path, stranger: str, what: str, advice: str) -> None:
        super().__init__(
            RejectCode.OUTPUT_EXISTS,
            f"{target} holds {stranger}, which is not part of {what}; {advice}",
        )


def partial_path(target: Path) -> Path:
    """Where `target` is built: hidden, beside it (same file system), unique to this process."""
    return target.with_name(f".{target.name}{PARTIAL_MARK}{os.getpid()}")


def _remove_log(path: Path) -> None:
    for suffix in ("", *SQLITE_SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _remove_stale_partials(target: Path) -> None:
    """Partials of `target` left by killed runs (their process is gone)."""
    for stale in target.parent.glob(f".{target.name}{PARTIAL_MARK}*"):
        pid_text = stale.name.rsplit(PARTIAL_MARK, 1)[1].split("-")[0]
        if pid_text.isdigit() and process_alive(int(pid_text)) and int(pid_text) != os.getpid():
            continue
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs. A zombie does not: a killed process stays one until its
    parent waits for it, which a parent that was killed too never does."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: signal 0 is all there is to ask
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


@contextmanager
def folders_for(target: Path) -> Iterator[None]:
    """Make the missing folders `target` goes into (`make_folder`); if the body fails, remove
    the ones made here again, those still empty, so a failed command leaves no trace."""
    missing = []
    for folder in target.parents:
        if folder.exists() or folder.is_symlink():
            break
        missing.append(folder)
    make_folder(target.parent)
    try:
        yield
    except BaseException:
        for folder in missing:  # the deepest first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def write_whole(target: Path, text: str) -> None:
    """Write a one-file output (a chart) beside `target` and rename it into place: a reader
    sees the old file or the new one, never half of it."""
    with folders_for(target):
        _remove_stale_partials(target)
        temp = partial_path(target)
        try:
            with open(temp, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    _sync_folder(target.parent)


@contextmanager
def building_log(target: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path to build a new log at; move it to `target` when the body ends.

    The body must close every connection to the temporary log before it ends (SQLite then
    folds its WAL into the file). On any exception the temporary log is removed and `target`
    is left untouched.

    Raises:
        OutputExists: `target` exists and `force` is False.
    """
    if target.exists() and not force:
        raise OutputExists(target)
    with folders_for(target):
        _remove_stale_partials(target)
        temp = partial_path(target)
        _remove_log(temp)
        try:
            yield temp
            _move_log(temp, target)
        except BaseException:
            _remove_log(temp)
            raise
    _sync_folder(target.parent)


def _move_log(temp: Path, target: Path) -> None:
    """Move a closed, complete log from `temp` to `target`, durably."""
    for suffix in SQLITE_SIDE_FILES:
        if Path(f"{temp}{suffix}").exists():
            raise RuntimeError(f"{temp} still has a {suffix} file: a connection was left open")
    with open(temp, "rb") as handle:
        os.fsync(handle.fileno())
    # A WAL of the replaced log would be read as part of the new one: remove it first.
    for suffix in SQLITE_SIDE_FILES:
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(temp, target)


@contextmanager
def building_folder(target: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder to write a set of files in; rename it to `target` at the end.

    An existing empty `target` is replaced; a non-empty one only with `force`. The old set is
    moved aside first and removed after the rename, so a reader sees the old set or the new.

    Raises:
        OutputExists: `target` exists, is not empty, and `force` is False.
    """
    if target.exists() and not force and (not target.is_dir() or any(target.iterdir())):
        raise OutputExists(target)
    with folders_for(target):
        _remove_stale_partials(target)
        temp = partial_path(target)
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        old = target.with_name(f".{target.name}{PARTIAL_MARK}{os.getpid()}-old")
        try:
            yield temp
            _swap_in(temp, target, old)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
    _sync_folder(target.parent)
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


def _swap_in(temp: Path, target: Path, old: Path) -> None:
    """Rename `temp` to `target`, the set there moved aside to `old` first (and back, should
    the rename fail)."""
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(temp, target)
    except BaseException:
        if old.exists():
            os.replace(old, target)
        raise


def log_absent(target: Path | str) -> bool:
    """Whether no log is at `target` yet: a command that creates one there and then writes
    nothing removes it again (`remove_unused_log`), on either store."""
    if isinstance(target, Path):
        return not target.exists()
    from ledger.pg_schema import holds_log

    return not holds_log(target)


def remove_unused_log(target: Path | str) -> None:
    """Remove the log a command created at `target` while it holds no record: an SQLite file
    with its side files, or a PostgreSQL log's tables (`pg_views.drop_unused_log`)."""
    if isinstance(target, Path):
        for suffix in ("", *SQLITE_SIDE_FILES):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        return
    from ledger.pg_views import drop_unused_log

    store = open_postgres(target)
    try:
        drop_unused_log(store.connection)
    finally:
        store.close()


@contextmanager
def rewriting_folder(
    target: Path, own: Callable[[str], bool], what: str, *, force: bool, advice: str
) -> Iterator[Path]:
    """`building_folder` for a set of files a command writes again and again (a report).

    `target` may be missing, empty, or an earlier set (files whose names `own` accepts): the
    new set replaces it whole. A folder holding anything else is someone else's, and is
    replaced only with `force`; else `OutputHoldsOthers` names the first such file (`what` the
    set is, `advice` what to do).
    """
    if not force:
        refuse_others(target, own, what, advice)
    with building_folder(target, force=True) as folder:
        yield folder


def refuse_others(target: Path, own: Callable[[str], bool], what: str, advice: str) -> None:
    """Raise `OutputHoldsOthers` when the folder `target` holds a file that is not part of
    `what` (`rewriting_folder`); a command checks it before its work, too."""
    if target.is_dir():
        for entry in sorted(target.iterdir()):
            if not (own(entry.name) and entry.is_file()):
                raise OutputHoldsOthers(target, entry.name, what, advice)


@contextmanager
def building_in_postgres(url: str, kind: str) -> Iterator[Path]:
    """A new log for the empty PostgreSQL log at `url`, built in a temporary SQLite file (the
    path yielded), then copied (chain checked) in one transaction: a server has no rename, so
    this is how the log there appears whole or not at all. The log at `url` is checked empty
    before the build (no long run for nothing) and again inside the copy."""
    refuse_unless_empty(url)
    with tempfile.TemporaryDirectory(prefix=f"defi-ledger-{kind}-") as folder:
        built = Path(folder) / f"{kind}.db"
        yield built
        copy_into_empty_postgres(built, url)


def refuse_unless_empty(url: str) -> None:
    """Refuse (`StoreError`) a PostgreSQL log at `url` that holds records: a new log goes
    there. A missing log is created, empty."""
    destination = open_postgres(url, create=True)
    try:
        _refuse_records(destination, url)
    finally:
        destination.close()


def _refuse_records(destination: PostgresStore, url: str) -> None:
    if destination.head().seq:
        raise StoreError(
            f"{describe_target(url)} holds a log already; a new log goes into an empty one "
            "(a new database or schema)"
        )


def copy_into_empty_postgres(built: Path, url: str) -> None:
    """Copy the finished SQLite log at `built` into the empty PostgreSQL log at `url` in one
    transaction (chain checked): the log appears whole or not at all."""
    source = SqliteStore(built)
    try:
        destination = open_postgres(url, create=True)
        try:
            _refuse_records(destination, url)
            with destination.connection.transaction():
                copy_log(source, destination)
        finally:
            destination.close()
    finally:
        source.close()
