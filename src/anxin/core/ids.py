"""Identifiers: time-ordered, random, 26 characters of Crockford base32.

48 bits of milliseconds then 80 random bits. Time order keeps B-tree inserts at the right
edge (fast, compact indexes); the random bits keep ids unguessable, so an id alone never
grants access.
"""

from __future__ import annotations

import base64
import os
import time

_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def new_id() -> str:
    raw = (time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10)
    # Both alphabets are mapped in value order, so text order is time order.
    return base64.b32encode(raw).decode()[:26].translate(_CROCKFORD)
