"""Translations: one YAML catalogue per language, looked up by dotted key.

The catalogues are data (`messages/zh.yaml`, `messages/en.yaml`), nested maps flattened to
keys such as `home.title`. In elder mode (大字版) a key `elder.<key>` wins over `<key>` when
it exists, so a page asks for `t("home.suggest")` and gets the plainer wording where one was
written, without templates branching on the mode.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any, Literal

import yaml

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"


@functools.cache
def catalogue(lang: Lang) -> dict[str, str]:
    """The flattened catalogue for `lang`, read once per process."""
    text = resources.files("anxin.web").joinpath(f"messages/{lang}.yaml").read_text("utf-8")
    return _flatten(yaml.safe_load(text) or {})


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def translate(lang: Lang, key: str, *, elder: bool = False, **params: Any) -> str:
    """The text for `key` in `lang`; a missing key shows itself, so it is noticed, not hidden."""
    messages = catalogue(lang)
    text = (elder and messages.get(f"elder.{key}")) or messages.get(key) or key
    return text.format(**params) if params else text


def as_lang(value: str | None) -> Lang | None:
    """`zh`/`en` from a cookie, a form or a stored preference; anything else is None."""
    return next((lang for lang in LANGS if lang == value), None)


def from_accept_language(header: str | None) -> Lang:
    """The first of zh/en the browser prefers (by q-value), else the default."""
    ranked: list[tuple[float, int, Lang]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = as_lang(tag.strip().lower().split("-")[0])
        if lang is None:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, lang))
    return min(ranked)[2] if ranked else DEFAULT_LANG
