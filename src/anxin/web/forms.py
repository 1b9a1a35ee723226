"""Reading posted forms without a multipart library: pages post url-encoded forms only."""

from __future__ import annotations

from urllib.parse import parse_qsl

from anxin.core.errors import InvalidInput

MAX_FORM_BYTES = 64 * 1024


class Form:
    """A posted form's fields (first value wins), trimmed; missing fields read as ''."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields

    @classmethod
    def parse(cls, body: bytes) -> Form:
        if len(body) > MAX_FORM_BYTES:
            raise InvalidInput("the form is too large")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise InvalidInput("the form is not UTF-8 text") from None
        fields: dict[str, str] = {}
        for name, value in pairs:
            fields.setdefault(name, value.strip())
        return cls(fields)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    def optional(self, name: str) -> str | None:
        return self.fields.get(name) or None
