"""Snapshot states, stored by content in the log's SQLite file: whole, or in parts.

    snapshot_states(key PK, state BLOB)                 sha256(state) -> zstd(state)
    snapshot_parts(state_key, position, part_key)      a parted state's parts, in order

(The tables and the triggers that keep them are created with the views: `projections.views`.)
A state is kept once however many snapshots hold it. A state given in parts
(`projections.base.SnapshotsInParts`) is kept as the list of its parts' keys (`PARTS_MAGIC`)
under the sha256 of the whole, each part kept once by its own sha256; a state read back is
joined from its parts and checked against its key, whole.
"""

from __future__ import annotations

import zlib
from hashlib import sha256
from sqlite3 import Connection

COMPRESS_LEVEL = 1
"""zstd level 1. On a balances state of 50k holdings (`bench/log_flat.py`'s) it is a fifth
smaller than zlib level 1 (the codec before), compresses in a third of the time and reads back
in a quarter: each is paid on every snapshot a rebuild takes and every `state_at`. zstd's own
higher levels came out larger on these states (decimal amounts), and slower."""
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
"""How a zstd frame begins; a zlib stream (a state stored before zstd) begins with 0x78."""
PARTS_MAGIC = b"\x00snapshot parts\n"
"""How a parted state's row begins: its parts' keys (32 bytes each) follow, in order."""
KEY_BYTES = 32
SnapshotState = bytes | list[bytes]
"""A snapshot as it is handed to be stored: `Projection.snapshot()` bytes, or its parts
(`projections.base.snapshot_parts`), whose join is those bytes."""


class ViewMismatch(ValueError):
    """A stored view state or snapshot does not match the digest stored with it."""


def store_snapshot(
    connection: Connection, name: str, version: int, seq: int, block: int, state: SnapshotState
) -> None:
    """The snapshot row, and its state (whole, or as its parts) unless stored already.

    A rebuild stores its snapshots on a thread of its own while the fold goes on (`ledger.
    background`), and every statement hands the GIL back and forth between the two: the
    statements are few (one lookup of every key, one insert of every new row).
    """
    parts = [state] if isinstance(state, bytes) else [part for part in state if part]
    whole = b"".join(parts)
    key = sha256(whole).digest()
    # (Every part is longer than 0, so with two or more none of them is the whole.)
    part_keys = [sha256(part).digest() for part in parts] if len(parts) > 1 else []
    connection.execute(
        "DELETE FROM snapshots WHERE projection = ? AND version = ? AND seq = ?",
        (name, version, seq),
    )  # first: its triggers may release states looked up below
    keys = [key, *part_keys]
    marks = ", ".join("?" for _ in keys)
    stored = connection.execute(f"SELECT key FROM snapshot_states WHERE key IN ({marks})", keys)
    known = {bytes(found) for (found,) in stored}
    if key not in known:
        if part_keys:
            new = {k: part for k, part in zip(part_keys, parts, strict=True) if k not in known}
            rows = [(k, pack(part)) for k, part in new.items()]
            rows.append((key, PARTS_MAGIC + b"".join(part_keys)))
            connection.executemany("INSERT INTO snapshot_states VALUES (?, ?)", rows)
            connection.executemany(
                "INSERT INTO snapshot_parts VALUES (?, ?, ?)",
                [(key, position, part_key) for position, part_key in enumerate(part_keys)],
            )
        else:
            connection.execute("INSERT INTO snapshot_states VALUES (?, ?)", (key, pack(whole)))
    connection.execute(
        "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?)", (name, version, seq, block, key)
    )


def pack(state: bytes) -> bytes:
    """A snapshot state as `snapshot_states` stores it: a zstd frame (with its size)."""
    import zstandard  # here: imported by the commands that store or read snapshots only

    return zstandard.compress(state, COMPRESS_LEVEL)


def unpack(packed: bytes) -> bytes:
    """A stored snapshot state's bytes: a zstd frame, or the zlib stream older ones hold.

    Raises `ValueError` when `packed` is neither (damaged, or not a snapshot state).
    """
    import zstandard

    try:
        if packed[:4] == ZSTD_MAGIC:
            return zstandard.decompress(packed)
        return zlib.decompress(packed)
    except (zstandard.ZstdError, zlib.error) as error:
        raise ValueError(str(error)) from error


def snapshot_state(connection: Connection, key: bytes, where: str) -> bytes:
    """A stored snapshot state (joined from its parts if it has any), checked against its key
    (its sha256)."""
    found = connection.execute("SELECT state FROM snapshot_states WHERE key = ?", (key,)).fetchone()
    if found is None:
        raise ViewMismatch(f"{where}: its state is missing; run `defi-ledger rebuild`")
    try:
        state = stored_bytes(connection, bytes(found[0]))
    except ValueError as error:
        raise ViewMismatch(
            f"{where}: its state cannot be read ({error}); "
            "run `defi-ledger rebuild` to refold it from the log"
        ) from error
    if sha256(state).digest() != bytes(key):
        raise ViewMismatch(
            f"{where}: the stored state does not match its digest (edited or damaged); "
            "run `defi-ledger rebuild` to refold it from the log"
        )
    return state


def stored_bytes(connection: Connection, stored: bytes) -> bytes:
    """A `snapshot_states` row's state: unpacked, or its parts' unpacked and joined.

    Raises `ValueError` when the row, or a part it lists, is missing or cannot be read.
    """
    if stored[: len(PARTS_MAGIC)] != PARTS_MAGIC:
        return unpack(stored)
    listed = stored[len(PARTS_MAGIC) :]
    if len(listed) % KEY_BYTES:
        raise ValueError("its list of parts is cut short")
    keys = [listed[i : i + KEY_BYTES] for i in range(0, len(listed), KEY_BYTES)]
    marks = ", ".join("?" for _ in keys)
    rows = connection.execute(
        f"SELECT key, state FROM snapshot_states WHERE key IN ({marks})", keys
    ).fetchall()
    packed = {bytes(key): bytes(state) for key, state in rows}
    missing = [key.hex()[:12] for key in keys if key not in packed]
    if missing:
        raise ValueError(f"{len(missing)} of its {len(keys)} parts missing, first {missing[0]}...")
    # The joined bytes are checked against the state's own key: a damaged part fails that.
    return b"".join([unpack(packed[key]) for key in keys])
