"""Which pilot a cell names: its code (330100, 330100.0), its Chinese name with or without 市/区, its English name
(Hangzhou, Hangzhou City, Hangzhou Shi), in traditional characters (廣州市), after its province (浙江省杭州市,
浙江杭州), before an organisation's suffix (杭州市科协), or a former name kept in domain/former_names.csv (襄樊).
Never a guess: a form that could be two pilots is an error naming both, and a total row (合计) is never a city."""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
from pathlib import Path

import pandas as pd

from ..domain.i18n import Text
from .checks import is_total, normalise, shown, without_invisible

FORMER_NAMES = Path(__file__).resolve().parent.parent / "domain" / "former_names.csv"
ORGANISATION_SUFFIXES = ("科学技术协会", "科协", "人民政府", "政府", "科技局", "科学技术局", "管理委员会", "管委会")
ENGLISH_SUFFIXES = ("city", "shi", "district")
_PROVINCE_SHORT = re.compile(r"^(.+?)(?:壮族|回族|维吾尔)?(?:自治区|省|市)$")
_CODE_AS_NUMBER = re.compile(r"(\d{6})\.0+")

Match = tuple[str | None, Text | None, Text | None]  # (code, error, warning)


@functools.cache
def _to_simplified():
    import opencc  # imported here: only uploads need it

    return opencc.OpenCC("t2s")


@functools.cache
def former_names() -> dict[str, str]:
    """Former and other official names of pilots, normalised, with the code each now belongs to."""
    with FORMER_NAMES.open(encoding="utf-8", newline="") as f:
        return {normalise(row["name"]): row["city_code"] for row in csv.DictReader(f)}


class CityMatcher:
    """Finds a city by any of the forms officers write for it (see the module's docstring)."""

    def __init__(self, cities: pd.DataFrame):
        self._names = dict(zip(cities["city_code"], cities["name_zh"], strict=True))
        self._index: dict[str, set[str]] = {}
        self._province = dict(zip(cities["city_code"], cities["province_zh"], strict=True))
        for code, zh, en in zip(cities["city_code"].tolist(), cities["name_zh"].tolist(), cities["name_en"].tolist(),
                                strict=True):  # fmt: skip
            name = normalise(zh)
            for key in {normalise(code), name, normalise(short_name(zh)), normalise(en)}:
                self._index.setdefault(key, set()).add(code)
        self._former = {k: c for k, c in former_names().items() if c in self._names}
        # Each province as written in full and short (浙江省, 浙江; 广西壮族自治区, 广西), longest first.
        forms = {}
        for province in set(self._province.values()):
            forms[province] = province
            short = _PROVINCE_SHORT.match(province)
            if short and len(short.group(1)) >= 2:
                forms[short.group(1)] = province
        self._provinces = sorted(forms.items(), key=lambda item: -len(item[0]))

    def name_of(self, code: str) -> str:
        """The Chinese name of a code."""
        return self._names.get(code, code)

    def resolve(self, raw: str) -> Match:
        """The code the cell names, the error saying why it names none (ambiguous: the candidates; unknown: the
        closest names), and a warning when it was read from a former name."""
        text = without_invisible(unicodedata.normalize("NFKC", raw)).strip()
        code_as_number = _CODE_AS_NUMBER.fullmatch(text)
        if code_as_number:
            text = code_as_number.group(1)
        key = normalise(text)
        if not key:
            return None, Text("城市不能为空。", "The city is missing."), None
        if is_total(text):
            return None, Text("“{v}”是合计行，不是城市。", "'{v}' is a total row, not a city.").format(v=raw), None
        found = self._look_up(text)
        former = None
        if not found:
            found, former = self._other_forms(text)
        if found and len(found) == 1:
            code = next(iter(found))
            warning = None
            if former is not None:
                warning = Text("“{v}”是旧名，按{n}（{c}）读取。", "'{v}' is a former name; read as {n} ({c}).").format(
                    v=raw, n=self._names[code], c=code
                )
            return code, None, warning
        if found:
            names = "、".join(f"{self._names[c]}（{c}）" for c in sorted(found))
            return (
                None,
                Text(
                    "“{v}”可指多个城市：{n}。请填写城市代码。", "'{v}' could be any of: {n}. Use the city code."
                ).format(v=shown(raw), n=names),
                None,
            )
        close = difflib.get_close_matches(key, list(self._index), n=3, cutoff=0.5)
        hint = "、".join(dict.fromkeys(self._names[c] for k in close for c in self._index[k]))
        message = (
            Text("未知城市“{v}”。最接近的是：{h}。", "Unknown city '{v}'. The closest are: {h}.")
            if hint
            else Text("未知城市“{v}”。", "Unknown city '{v}'.")
        )
        return None, message.format(v=shown(raw) or "—", h=hint), None

    def _look_up(self, text: str) -> set[str]:
        """The codes a name or code names exactly, with or without 市/区."""
        return self._index.get(normalise(text)) or self._index.get(normalise(short_name(text))) or set()

    def _other_forms(self, text: str) -> tuple[set[str], str | None]:
        """The codes the other written forms name, and the former name when that is how one was found."""
        simplified = _to_simplified().convert(text)
        found: set[str] = set()
        former = None
        for form in dict.fromkeys([text, simplified]):
            for name in dict.fromkeys([form, _without_suffix(form)]):
                for province, rest in [(None, name), *self._after_province(name)]:
                    codes = self._look_up(rest) | self._english(rest)
                    if normalise(rest) in self._former:
                        codes = codes | {self._former[normalise(rest)]}
                        former = rest
                    found |= {c for c in codes if province is None or self._province[c] == province}
        return found, former if found and former is not None else None

    def _after_province(self, name: str) -> list[tuple[str, str]]:
        """(province, the rest) for each province the name starts with."""
        return [(province, name[len(form) :]) for form, province in self._provinces
                if name.startswith(form) and len(name) > len(form)]  # fmt: skip

    def _english(self, name: str) -> set[str]:
        """An English name with City, Shi or District after it."""
        key = normalise(name)
        for suffix in ENGLISH_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 2 and key.isascii():
                return self._index.get(key[: -len(suffix)], set())
        return set()


def _without_suffix(name: str) -> str:
    """A name without an organisation's suffix (杭州市科协 -> 杭州市)."""
    for suffix in ORGANISATION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def short_name(name: str) -> str:
    """A Chinese name without its last 市 or 区 (杭州市 -> 杭州)."""
    name = unicodedata.normalize("NFKC", name).strip()
    return name[:-1] if len(name) > 2 and name[-1] in "市区" else name
