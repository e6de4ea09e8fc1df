"""Mutated `append` inputs: what an attacker or a clumsy operator sends, from a valid file.

Each mutation takes the lines of a valid JSON-lines input and a seeded `random.Random`, and
returns the bytes of one malformed (or, by chance, still valid) input. The kinds cover what
readers of JSON disagree on or fail at: flipped and cut bytes, ints past 64 bits, nesting
past any limit, keys given twice, fields no type has, bytes that are not UTF-8, escapes of
lone surrogates, values of the wrong type, and lines that are not objects at all.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator

Mutation = Callable[[list[bytes], random.Random], bytes]

_INT = re.compile(rb"(?<![\w.\"])-?\d+(?![\w.\"])")
_KEY = re.compile(rb'"([A-Za-z_]+)":')
BIG_INTS = (2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**400, -1, 2**53 + 1)


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n"


def _pick(lines: list[bytes], rand: random.Random) -> int:
    return rand.randrange(len(lines))


def byte_flip(lines: list[bytes], rand: random.Random) -> bytes:
    data = bytearray(_join(lines))
    for _ in range(rand.randint(1, 3)):
        data[rand.randrange(len(data))] ^= 1 << rand.randrange(8)
    return bytes(data)


def truncate(lines: list[bytes], rand: random.Random) -> bytes:
    data = _join(lines)
    return data[: rand.randrange(1, len(data))]


def big_int(lines: list[bytes], rand: random.Random) -> bytes:
    index = _pick(lines, rand)
    matches = list(_INT.finditer(lines[index]))
    if not matches:
        return _join(lines)
    match = rand.choice(matches)
    value = str(rand.choice(BIG_INTS)).encode()
    line = lines[index]
    return _join(
        [*lines[:index], line[: match.start()] + value + line[match.end() :], *lines[index + 1 :]]
    )


def deep_nesting(lines: list[bytes], rand: random.Random) -> bytes:
    index = _pick(lines, rand)
    depth = rand.choice((20, 40, 200, 5000, 100_000))
    opener, closer = (b"[", b"]") if rand.random() < 0.5 else (b'{"a":', b"}")
    value = opener * depth + b"1" + closer * depth
    line = lines[index].replace(b'"event": {', b'"event": {"memo": ' + value + b", ", 1)
    return _join([*lines[:index], line, *lines[index + 1 :]])


def duplicate_key(lines: list[bytes], rand: random.Random) -> bytes:
    index = _pick(lines, rand)
    line = lines[index]
    keys = _KEY.findall(line)
    key = rand.choice(keys) if keys else b"type"
    other = rand.choice((b'"Burned"', b"0", b'"x"', b"null", b"7"))
    closing = line.rstrip().rfind(b"}}") if rand.random() < 0.5 else len(line.rstrip()) - 1
    mutated = line[:closing] + b', "' + key + b'": ' + other + line[closing:]
    return _join([*lines[:index], mutated, *lines[index + 1 :]])


def unknown_field(lines: list[bytes], rand: random.Random) -> bytes:
    index = _pick(lines, rand)
    line = lines[index]
    keys = _KEY.findall(line) or [b"amount"]
    key = bytearray(rand.choice(keys))
    if key:
        key.insert(rand.randrange(len(key) + 1), rand.choice(b"xyz_"))
    closing = line.rstrip().rfind(b"}}") if rand.random() < 0.7 else len(line.rstrip()) - 1
    mutated = line[:closing] + b', "' + bytes(key) + b'": 1' + line[closing:]
    return _join([*lines[:index], mutated, *lines[index + 1 :]])


def non_utf8(lines: list[bytes], rand: random.Random) -> bytes:
    data = bytearray(_join(lines))
    bad = rand.choice((b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"))
    quotes = [i for i, byte in enumerate(data) if byte == ord('"')]
    at = rand.choice(quotes) + 1 if quotes else 0
    data[at:at] = bad
    return bytes(data)


def escapes(lines: list[bytes], rand: random.Random) -> bytes:
    escape = rand.choice((rb"\ud800", rb"\udfff", rb"\u0000", rb"\ud83d\ude00", rb"\"", rb"\\"))
    index = _pick(lines, rand)
    line = lines[index]
    quotes = [i for i, byte in enumerate(line) if byte == ord('"')]
    at = rand.choice(quotes[1::2]) if len(quotes) > 1 else 0
    return _join([*lines[:index], line[:at] + escape + line[at:], *lines[index + 1 :]])


def wrong_type(lines: list[bytes], rand: random.Random) -> bytes:
    index = _pick(lines, rand)
    record = json.loads(lines[index])
    where = record["event"] if rand.random() < 0.7 else record
    key = rand.choice(sorted(where))
    where[key] = rand.choice((None, True, 1.5, "7", [], {}, -3, "", "x" * 10_000))
    return _join([*lines[:index], json.dumps(record).encode(), *lines[index + 1 :]])


def not_an_object(lines: list[bytes], rand: random.Random) -> bytes:
    index = _pick(lines, rand)
    other = rand.choice(
        (b"null", b"[]", b'"x"', b"1.5", b"NaN", b"{}", b"{", b"}", b"\x00", b" \t")
    )
    return _join([*lines[:index], other, *lines[index + 1 :]])


def reorder(lines: list[bytes], rand: random.Random) -> bytes:
    shuffled = list(lines)
    if rand.random() < 0.5:
        rand.shuffle(shuffled)
    else:
        index = _pick(lines, rand)
        shuffled.insert(index, lines[index])
    return _join(shuffled)


MUTATIONS: dict[str, Mutation] = {
    "byte_flip": byte_flip,
    "truncate": truncate,
    "big_int": big_int,
    "deep_nesting": deep_nesting,
    "duplicate_key": duplicate_key,
    "unknown_field": unknown_field,
    "non_utf8": non_utf8,
    "escapes": escapes,
    "wrong_type": wrong_type,
    "not_an_object": not_an_object,
    "reorder": reorder,
}
"""Every kind of mutation, by name."""


def mutated_inputs(lines: list[bytes], seed: int, count: int) -> Iterator[tuple[str, bytes]]:
    """`count` mutated inputs, the kinds taken in turn, each from the same seeded stream."""
    rand = random.Random(seed)
    kinds = sorted(MUTATIONS)
    for index in range(count):
        kind = kinds[index % len(kinds)]
        yield kind, MUTATIONS[kind](lines, rand)
