"""Bilingual text: every user-facing message exists in Chinese and English, and so does every error for the user."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

LANGS = ("zh", "en")


class Text(NamedTuple):
    """A message in both languages; `format` fills placeholders in both."""

    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def format(self, *_: Any, **values: Any) -> Text:
        """The same message with placeholders filled in both languages (a Text value fills each in its own)."""

        for value in values.values():
            if isinstance(value, Text):
                break
        else:  # most messages: the same values in both languages
            return Text(self.zh.format(**values), self.en.format(**values))

        def pick(lang: str) -> dict[str, Any]:
            return {k: v(lang) if isinstance(v, Text) else v for k, v in values.items()}

        return Text(self.zh.format(**pick("zh")), self.en.format(**pick("en")))

    def then(self, *others: Text, zh: str = "", en: str = "") -> Text:
        """This message followed by others, joined in each language by `zh` and `en` (a Text is a tuple: + would
        join the tuples, not the words)."""
        return Text(zh.join([self.zh, *(o.zh for o in others)]), en.join([self.en, *(o.en for o in others)]))


LIST_SEPARATOR = Text("、", ", ")
REST = Text("，另有 {n:,} 个", " and {n:,} more")  # how many a cut-short list leaves out, never the total


def named_few(names: Sequence[str], limit: int, lang: str) -> str:
    """The first `limit` names and how many more: '沈阳市、大连市，另有 40 个' / 'Shenyang, Dalian and 40 more'."""
    shown = LIST_SEPARATOR(lang).join(names[:limit])
    return shown + (REST.format(n=len(names) - limit)(lang) if len(names) > limit else "")


class Problem(Exception):
    """An error meant for the user: its message, in both languages, is in `text`."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


class Refused(Problem):
    """An action or an input was refused; nothing was written."""


def default_lang() -> str:
    """The CLI's language: PILOT_LANG, else the locale (zh_* gives Chinese), else English."""
    for name in ("PILOT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
