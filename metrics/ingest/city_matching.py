"""Which pilot a cell names: its code, its Chinese name with or without 市/区, or its English name; never a guess."""

from __future__ import annotations

import difflib
import unicodedata

import pandas as pd

from ..domain.i18n import Text
from .checks import normalise


class CityMatcher:
    """Finds a city by code, Chinese name (with or without 市/区) or English name."""

    def __init__(self, cities: pd.DataFrame):
        self._names = dict(zip(cities["city_code"], cities["name_zh"], strict=True))
        self._index: dict[str, set[str]] = {}
        for code, zh, en in zip(cities["city_code"].tolist(), cities["name_zh"].tolist(), cities["name_en"].tolist(),
                                strict=True):  # fmt: skip
            name = normalise(zh)
            for key in {normalise(code), name, normalise(short_name(zh)), normalise(en)}:
                self._index.setdefault(key, set()).add(code)

    def name_of(self, code: str) -> str:
        """The Chinese name of a code."""
        return self._names.get(code, code)

    def resolve(self, raw: str) -> tuple[str | None, Text | None]:
        """The code the cell names, or the error saying why it names none (ambiguous: the candidates; unknown:
        the closest names)."""
        key = normalise(raw)
        if not key:
            return None, Text("城市不能为空。", "The city is missing.")
        found = self._index.get(key) or self._index.get(normalise(short_name(raw)))
        if found and len(found) == 1:
            return next(iter(found)), None
        if found:
            names = "、".join(f"{self._names[c]}（{c}）" for c in sorted(found))
            return None, Text(
                "“{v}”可指多个城市：{n}。请填写城市代码。", "'{v}' could be any of: {n}. Use the city code."
            ).format(v=raw, n=names)
        close = difflib.get_close_matches(key, list(self._index), n=3, cutoff=0.5)
        hint = "、".join(dict.fromkeys(self._names[c] for k in close for c in self._index[k]))
        message = (
            Text("未知城市“{v}”。最接近的是：{h}。", "Unknown city '{v}'. The closest are: {h}.")
            if hint
            else Text("未知城市“{v}”。", "Unknown city '{v}'.")
        )
        return None, message.format(v=raw or "—", h=hint)


def short_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).strip()
    return name[:-1] if len(name) > 2 and name[-1] in "市区" else name
