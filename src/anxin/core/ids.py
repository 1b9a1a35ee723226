"""Identifiers: time-ordered, random, 26-character Crockford base32 (ULID layout).

Time order keeps B-tree inserts at the right edge (fast, compact indexes); 80 random bits
keep ids unguessable, so an id alone never grants access.
"""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
