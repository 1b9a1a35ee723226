"""Spans: what each entity finder reports, and how found text is hidden from later finders.

Finders run one after another over the same text (dates before amounts, so "12月1号" is not
read as the amount 12). Each hides what it found behind `MASK` characters of the same length,
so positions stay valid and no later pattern can match across or inside a found entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MASK = "\x00"

SlotValue = str | int


@dataclass(frozen=True, slots=True)
class Span:
    """One recognised entity: where it is, its placeholder kind and the slots it fills."""

    start: int
    end: int
    kind: str
    slots: Mapping[str, SlotValue] = field(default_factory=dict)


def mask(text: str, spans: Iterable[Span]) -> str:
    """`text` with every span overwritten by MASK characters (same length)."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = MASK * (span.end - span.start)
    return "".join(chars)
