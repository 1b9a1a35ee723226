"""Text normalisation before any matching: width, traditional script and case.

People type on phones with full-width punctuation and digits, in traditional or simplified
script, in any case. Every later layer matches one canonical form, so it needs one pattern
per idea instead of one per keyboard. Both forms returned keep the input's length and
character positions, so a span found in the folded text can be cut from the cased text
(payees are reported as said, "Alice" rather than "alice").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

# Full-width ASCII (U+FF01..U+FF5E) sits at a fixed offset from ASCII.
_FULLWIDTH_OFFSET = 0xFEE0
_WIDTH = {code: code - _FULLWIDTH_OFFSET for code in range(0xFF01, 0xFF5F)}
# Control characters (line breaks, tabs, NUL) become spaces: they carry no meaning, and NUL is
# what the entity layer uses to hide what it has already found.
_WIDTH.update({code: ord(" ") for code in range(0x20)})
# The full-width comma separates clauses in Chinese ("转200，300给爸爸"); as "," it would read
# as a thousands separator and merge two amounts into one.
del _WIDTH[0xFF0C]
_WIDTH.update(
    {
        0x3000: ord(" "),  # ideographic space
        0xFFE5: ord("¥"),  # full-width yen/yuan sign
        0xFFE1: ord("£"),
        0xFFE0: ord("¢"),
        0x2014: ord("-"),
        0x2013: ord("-"),
        0x2018: ord("'"),
        0x2019: ord("'"),
    }
)


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Normalised:
    """The same text twice, position for position: `text` is case-folded, `cased` is not."""

    text: str
    cased: str


@functools.cache
def _t2s() -> _Converter:
    import opencc

    converter: _Converter = opencc.OpenCC("t2s")
    return converter


def to_simplified(text: str) -> str:
    """Traditional to simplified script, keeping the length (phrase rules could change it)."""
    if text.isascii():
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert character by character so positions hold.
    return "".join(_t2s().convert(ch) or ch for ch in text)


def _fold_ascii(text: str) -> str:
    # Only ASCII letters are folded: str.lower() can change the length of other scripts.
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)


def normalise(text: str) -> Normalised:
    """Half-width, simplified, and (for `text`) lower-case; control characters become spaces."""
    cased = to_simplified(text.translate(_WIDTH))
    return Normalised(text=_fold_ascii(cased), cased=cased)
