"""Finding the contact a person means by what they typed or said ("妈妈", "mum", "lao wang").

Pure: a list of contacts in, ranked matches out. Exact names and aliases win; then the
same pinyin (speech input often gives a homophone: 老汪 for 老王); then close spellings.
"""

from __future__ import annotations

from dataclasses import dataclass

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

FUZZY_CUTOFF = 85


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    name: str
    aliases: tuple[str, ...]
    payee_user_id: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


def _sound(text: str) -> str:
    return "".join(lazy_pinyin(_fold(text)))


def match_contacts(said: str, contacts: list[Contact]) -> list[Contact]:
    """Contacts `said` may mean, best first; several at the same level mean: ask which."""
    wanted = _fold(said)
    if not wanted:
        return []
    exact = [c for c in contacts if any(_fold(n) == wanted for n in c.names)]
    if exact:
        return exact
    sound = _sound(said)
    homophones = [c for c in contacts if any(_sound(n) == sound for n in c.names)]
    if homophones:
        return homophones
    scored = [(max(fuzz.ratio(wanted, _fold(n)) for n in c.names), c) for c in contacts]
    close = [(score, c) for score, c in scored if score >= FUZZY_CUTOFF]
    close.sort(key=lambda pair: -pair[0])
    return [c for _, c in close]
