"""The clean tokens the sanitiser, the link functions and the text edits work on.

A token is decoded visible text (a ``str``), an allowed opening tag or a closing tag; a list of
them is balanced and serialises to Telegram HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Open:
    name: str
    attrs: tuple[tuple[str, str | None], ...] = ()

    def get(self, key: str) -> str | None:
        return next((value for name, value in self.attrs if name == key), None)


@dataclass(frozen=True, slots=True)
class Close:
    name: str


Token: TypeAlias = "str | Open | Close"  # a str is decoded visible text


def serialize(tokens: Iterable[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        if isinstance(token, str):
            out.append(escape(token, quote=False))
        elif isinstance(token, Open):
            attrs = "".join(
                f" {key}" if value is None else f' {key}="{escape(value)}"'
                for key, value in token.attrs
            )
            out.append(f"<{token.name}{attrs}>")
        else:
            out.append(f"</{token.name}>")
    return "".join(out)


def visible_text(tokens: Iterable[Token]) -> str:
    return "".join(token for token in tokens if isinstance(token, str))


def tidy(tokens: list[Token]) -> list[Token]:
    """Adjacent texts merged, elements without text dropped, the ends stripped of whitespace."""
    while True:
        out: list[Token] = []
        for token in tokens:
            if isinstance(token, str):
                if not token:
                    continue
                if out and isinstance(out[-1], str):
                    out[-1] += token
                    continue
            elif isinstance(token, Close) and out and isinstance(out[-1], Open):
                out.pop()  # an empty element
                continue
            out.append(token)
        for step in (1, -1):
            for j in [j for j, token in enumerate(out) if isinstance(token, str)][::step]:
                text = out[j]
                assert isinstance(text, str)
                out[j] = text.lstrip() if step == 1 else text.rstrip()
                if out[j]:
                    break
        if all(out):  # stripping emptied nothing: done
            return out
        tokens = out
