"""Digests kept current as a book folds: a tree of per-part digests over int keys.

A big book (an f(x) pool's ten thousand positions and nodes) would cost a full re-encoding per
digest. `PartDigests` keeps each entry of an int-keyed collection encoded, in chunks of
consecutive keys:

    entry         canonical([key, value])                        re-encoded when it changes
    chunk digest  sha256(the chunk's entries, by key)            when an entry in it changed
    group digest  sha256(64 chunk digests, by chunk; absent chunks as sha256(b""))
    digest        sha256(each group's number (8 bytes, signed) and digest, by group)

A chunk holds the keys `CHUNK * c` to `CHUNK * c + CHUNK - 1`. The ids a book hands out count
up (positions, tree nodes) and the ticks a day touches lie near the price, so one checkpoint's
changes share a few chunks and fewer groups: a change costs about one encoding and a share of
one chunk hash. (The canonical encoding of an entry is a JSON array that names its key, so the
concatenation is unambiguous.)

The book marks what it changed (`dirty.add(key)`) as it folds; `digest()` re-encodes only the
dirty entries and re-hashes their chunks and groups. The result depends only on the entries
(not on the order they changed in), so a rebuild from the log, a restored snapshot and a live
book give the same digest; it is a hash tree, so two different sets of entries do not share a
digest short of a sha256 collision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from hashlib import sha256

from projections.base import canonical_encode

CHUNK = 32
GROUP = 64
"""Chunks of 32 consecutive keys, hashed in groups of 64 chunks (2,048 keys)."""

_encode = canonical_encode
_EMPTY = sha256(b"").digest()


class PartDigests:
    """The digest of an int-keyed collection, kept current by marking changed keys."""

    __slots__ = ("_chunks", "_group_digests", "_keys", "_members", "_read", "dirty")

    def __init__(
        self, read: Callable[[int], object | None], keys: Callable[[], Iterable[int]]
    ) -> None:
        """`read(key)`: an entry's plain value (what is encoded), None once it is gone;
        `keys()`: every key now (read when the collection is replaced wholesale)."""
        self._read = read
        self._keys = keys
        self.reset()

    def reset(self) -> None:
        """Forget every entry (the collection was replaced): all are read afresh.

        Nothing is read or allocated until the first `digest()`: a book restored to answer a
        query (`state_at`) and never digested pays nothing for it.
        """
        self._chunks: dict[int, list[bytes | None]] | None = None
        """Encoded entries by chunk, one slot a key (None: no entry)."""
        self._members: dict[int, list[bytes]] = {}
        """Per group, its 64 chunk digests in chunk order (sha256(b"") for an empty chunk)."""
        self._group_digests: dict[int, bytes] = {}
        self.dirty: set[int] = set()
        """Keys changed since the last digest (the book adds to it as it folds)."""

    def _start(self) -> dict[int, list[bytes | None]]:
        """Every entry of the collection as it is now, to be digested (the first digest)."""
        self._chunks = {}
        self.dirty = set(self._keys())
        return self._chunks

    def digest(self) -> bytes:
        """The 32-byte digest of the collection as it is now."""
        chunks = self._chunks if self._chunks is not None else self._start()
        read, encode = self._read, _encode
        touched: dict[int, list[bytes | None]] = {}
        for key in self.dirty:
            chunk, slot = divmod(key, CHUNK)
            slots = touched.get(chunk)
            if slots is None:
                slots = chunks.get(chunk)
                if slots is None:
                    slots = chunks[chunk] = [None] * CHUNK
                touched[chunk] = slots
            value = read(key)
            slots[slot] = None if value is None else encode([key, value])
        self.dirty = set()
        members, emptied = self._members, False
        groups: set[int] = set()
        for chunk, slots in touched.items():
            joined = b"".join(filter(None, slots))
            group, place = divmod(chunk, GROUP)
            found = members.get(group)
            if found is None:
                found = members[group] = [_EMPTY] * GROUP
            if joined:
                found[place] = sha256(joined).digest()
            else:
                del chunks[chunk]
                found[place] = _EMPTY
                emptied = True
            groups.add(group)
        group_digests = self._group_digests
        for group in groups:
            found = members[group]
            if emptied and found.count(_EMPTY) == GROUP:
                del members[group]
                group_digests.pop(group, None)
            else:
                group_digests[group] = sha256(b"".join(found)).digest()
        return sha256(
            b"".join(
                [
                    group.to_bytes(8, "big", signed=True) + group_digests[group]
                    for group in sorted(group_digests)
                ]
            )
        ).digest()
