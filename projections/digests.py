"""Digests kept current as a book folds: a fixed tree of per-part digests.

A big book (an f(x) pool's ten thousand positions, the balances of every account) would cost a
full re-encoding per digest. `PartDigests` keeps one digest per entry of a keyed collection,
combined through a fixed number of buckets:

    entry digest   sha256(canonical([key, value]))              recomputed when the entry changes
    bucket digest  sha256(entry digests of the bucket, by key)  recomputed when an entry in it did
    group digest   sha256(64 bucket digests, in bucket order)   recomputed when a bucket in it did
    digest         sha256(the group digests, in group order)

The book marks what it changed (`dirty.add(key)`) as it folds; `digest()` recomputes only the
dirty entries and their buckets, so a checkpoint costs what changed since the last one. The
result depends only on the entries (not on the order they changed in), so a rebuild from the
log, a restored snapshot and a live book give the same digest; it is a hash tree, so two
different sets of entries do not share a digest short of a sha256 collision.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from hashlib import sha256
from zlib import crc32

from projections.base import canonical_bytes

BUCKETS = 4096
GROUP = 64
"""Buckets are hashed in groups of 64, the groups' digests together: a changed entry re-hashes
its bucket (a few entries), its group (64 digests) and the top (64 digests)."""


def bucket_of(key: Hashable) -> int:
    """The bucket of a key: ints by value, strs by crc32 (stable across processes)."""
    if isinstance(key, int):
        return key % BUCKETS
    return crc32(str(key).encode()) % BUCKETS


class PartDigests:
    """The digest of a keyed collection, kept current by marking changed keys."""

    __slots__ = (
        "_bucket_digests",
        "_buckets",
        "_dirty_buckets",
        "_group_digests",
        "_keys",
        "_read",
        "dirty",
    )

    def __init__(
        self, read: Callable[[Hashable], object | None], keys: Callable[[], Iterable[Hashable]]
    ) -> None:
        """`read(key)`: an entry's plain value (what is encoded), None once it is gone;
        `keys()`: every key now (read when the collection is replaced wholesale)."""
        self._read = read
        self._keys = keys
        self.reset()

    def reset(self) -> None:
        """Forget every entry digest (the collection was replaced): all are read afresh.

        Nothing is read or allocated until the first `digest()`: a book restored to answer a
        query (`state_at`) and never digested pays nothing for it.
        """
        self._buckets: dict[int, dict[Hashable, bytes]] | None = None
        """Entry digests by bucket, a bucket made when an entry first lands in it (a restore
        of a small book makes a few, not 4096)."""
        self._bucket_digests: list[bytes] = []
        self._group_digests: list[bytes] = []
        self._dirty_buckets: set[int] = set()
        self.dirty: set[Hashable] = set()
        """Keys changed since the last digest (the book adds to it as it folds)."""

    def _start(self) -> dict[int, dict[Hashable, bytes]]:
        """Every entry of the collection as it is now, to be digested (the first digest)."""
        buckets: dict[int, dict[Hashable, bytes]] = {}
        self._buckets = buckets
        self._bucket_digests = [_EMPTY] * BUCKETS
        self._group_digests = [_EMPTY_GROUP] * (BUCKETS // GROUP)
        self.dirty = set(self._keys())
        return buckets

    def digest(self) -> bytes:
        """The 32-byte digest of the collection as it is now."""
        buckets = self._buckets if self._buckets is not None else self._start()
        read, dirty_buckets = self._read, self._dirty_buckets
        for key in self.dirty:
            index = bucket_of(key)
            value = read(key)
            if value is None:
                buckets.get(index, {}).pop(key, None)
            else:
                buckets.setdefault(index, {})[key] = sha256(canonical_bytes([key, value])).digest()
            dirty_buckets.add(index)
        self.dirty = set()
        bucket_digests, groups = self._bucket_digests, set()
        for index in dirty_buckets:
            bucket = buckets.get(index, {})
            bucket_digests[index] = sha256(
                b"".join([bucket[key] for key in sorted(bucket)])  # type: ignore[type-var]
            ).digest()
            groups.add(index // GROUP)
        dirty_buckets.clear()
        for group in groups:
            start = group * GROUP
            self._group_digests[group] = sha256(
                b"".join(bucket_digests[start : start + GROUP])
            ).digest()
        return sha256(b"".join(self._group_digests)).digest()


_EMPTY = sha256(b"").digest()
_EMPTY_GROUP = sha256(_EMPTY * GROUP).digest()
