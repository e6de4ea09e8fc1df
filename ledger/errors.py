"""The one exception hierarchy of the ledger. Rejections of bad input are values, not these.

    LedgerError
    ├── StoreError            the log cannot be opened or written (I/O, not a ledger file)
    │   ├── SchemaTooNew      the file was written by a newer defi-ledger
    │   ├── NotALedger        the file is not a defi-ledger log (a wrong path, another file)
    │   ├── StoreIOError      the environment failed: disk full, read-only, locked, missing
    │   └── StoreDamaged      SQLite cannot read the file's header or pages (corruption)
    ├── IntegrityError        the stored log fails verification (tampering, corruption)
    └── RejectedError         a rejection raised on purpose at an edge (CLI, helpers)

Everything else that escapes is a bug.
"""

from __future__ import annotations

from events.rejections import REJECT_HELP, RejectCode


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""


class StoreError(LedgerError):
    """The log cannot be opened, read or written."""


class SchemaTooNew(StoreError):
    """The log's schema is newer than this program understands."""


class NotALedger(StoreError):
    """The file exists but is not a defi-ledger log: the caller named the wrong file."""


class StoreIOError(StoreError):
    """The operating system or SQLite failed (disk full, read-only, locked, file missing).

    Nothing is wrong with the log or the input; the message names the fault and the file.
    """


class StoreDamaged(StoreError):
    """The store is damaged (an integrity finding): SQLite cannot read the file's header or
    pages, or the log has lost one of its own tables or its head row."""


class IntegrityError(LedgerError):
    """The stored log does not verify; `seq` is the first bad record."""

    def __init__(self, seq: int, detail: str) -> None:
        super().__init__(f"log integrity failure at seq {seq}: {detail}")
        self.seq = seq
        self.detail = detail


class RejectedError(LedgerError):
    """A rejection, raised where an exception is the only way out (the CLI's edge)."""

    def __init__(self, code: RejectCode, detail: str) -> None:
        super().__init__(f"{code}: {detail} ({REJECT_HELP[code]})")
        self.code = code
        self.detail = detail
