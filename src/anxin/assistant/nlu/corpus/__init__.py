"""The intent training corpus, shipped as a text file beside this module."""

from __future__ import annotations

import random
import re
from importlib import resources
from typing import NamedTuple

# A line with many choices expands combinatorially; a sample keeps one heavily templated
# line from outweighing a whole intent written line by line.
MAX_VARIANTS_PER_LINE = 8

_SECTION = re.compile(r"^\[([a-z_]+)\]$")
_CHOICE = re.compile(r"\[([^\[\]]*\|[^\[\]]*)\]")


class Utterance(NamedTuple):
    """One training utterance and the corpus line it came from (for grouped validation)."""

    intent: str
    text: str
    line: int


def expand(line: str) -> list[str]:
    """Every variant of a line: "[给|向]X" is "给X" and "向X"; "[a|]" may drop the part."""
    match = _CHOICE.search(line)
    if match is None:
        return [line]
    head, tail = line[: match.start()], line[match.end() :]
    return [v for option in match.group(1).split("|") for v in expand(head + option + tail)]


def parse_corpus(text: str) -> list[Utterance]:
    """Utterances from the corpus format; an utterance repeated in one intent is kept once."""
    pairs: dict[tuple[str, str], int] = {}
    intent: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if section := _SECTION.match(line):
            intent = section.group(1)
            continue
        if intent is None:
            raise ValueError(f"corpus line outside a section: {line!r}")
        variants = expand(line)
        if len(variants) > MAX_VARIANTS_PER_LINE:
            variants = random.Random(line).sample(variants, MAX_VARIANTS_PER_LINE)
        for variant in variants:
            pairs.setdefault((intent, " ".join(variant.split())), number)
    return [Utterance(intent, text, number) for (intent, text), number in pairs.items()]


def load_corpus() -> list[Utterance]:
    """The shipped corpus, expanded."""
    return parse_corpus(resources.files(__package__).joinpath("intents.txt").read_text("utf-8"))
