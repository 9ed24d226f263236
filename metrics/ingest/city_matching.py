"""Which pilot a cell names: its code (330100, 330100.0), its Chinese name with or without 市/区, its English name
(Hangzhou, Xian, Hangzhou City, Hangzhou Shi, Hangzhou Municipality, City of Hangzhou), in traditional characters
(廣州市), after its province (浙江省杭州市, 浙江杭州), before an organisation's suffix (杭州市科协, Hangzhou Municipal
Government), a park's everyday forms (西安高新区, 西安市高新区, Xi'an Hi-tech Zone, Chengdu High-tech Industrial
Development Zone), or a name kept in domain/city_aliases.csv: a former one (襄樊, read with a warning) or an everyday
one (光谷, 中关村).

Never a guess: a form that could be two pilots is an error naming both (西安（高新区）: the city or the park?), a park's
form never reads as its city, and a total row (合计) is never a city. An unknown name suggests the pilots that sound
the same first (株州市 -> 株洲市, by pypinyin), then the closest by their characters.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
from itertools import product
from pathlib import Path

import pandas as pd

from ..domain.i18n import Text
from .checks import clipped, is_total, normalise, shown, without_invisible

ALIASES = Path(__file__).resolve().parent.parent / "domain" / "city_aliases.csv"
ALIAS_KINDS = ("former", "everyday")  # a former name is read with a warning; an everyday one silently
ORGANISATION_SUFFIXES = ("科学技术协会", "科协", "人民政府", "政府", "科技局", "科学技术局", "管理委员会", "管委会")
# The same in English, as name_key writes them (Hangzhou Municipal People's Government, … Administrative Committee).
ENGLISH_ORGANISATION_SUFFIXES = ("peoplesgovernment", "government", "administrativecommittee",
                                 "managementcommittee", "associationforscienceandtechnology",
                                 "scienceandtechnologyassociation")  # fmt: skip
ENGLISH_SUFFIXES = ("city", "shi", "district", "municipality", "municipal")
ENGLISH_PREFIXES = ("cityof", "municipalityof")
MAX_NAME = 120  # characters: no pilot is named at such length; a longer cell is unknown, without suggestions
MAX_SOUNDED = 30  # characters: longer names are not compared by sound

# A park's official name ends in one of its family's forms; every form of the family, after the same place, names
# it too (西安高新技术产业开发区: 西安高新区, 西安高新技术开发区, 西安国家高新区 …). Longest first, so that the place
# is what is left (武汉东湖新技术开发区: 武汉东湖).
_HIGH_TECH_ZH = ("高新技术产业开发区", "高新技术开发区", "新技术开发区", "高新开发区", "高新区")
_ECONOMIC_ZH = ("经济技术开发区", "经开区")
_HIGH_TECH_EN = ("hitechindustrialdevelopmentzone", "hitechindustriesdevelopmentzone", "hitechindustrydevelopmentzone",
                 "hitechdevelopmentzone", "hitechindustrialzone", "hitechindustrieszone", "hitechindustryzone",
                 "hitechzone")  # fmt: skip
_ECONOMIC_EN = ("economicandtechnologicaldevelopmentzone", "economictechnologicaldevelopmentzone",
                "economicandtechnologydevelopmentzone", "economictechnologydevelopmentzone", "etdz")  # fmt: skip
PARK_FAMILIES: tuple[tuple[str, ...], ...] = (
    tuple(n + f for n, f in product(("", "国家", "国家级"), _HIGH_TECH_ZH)),
    tuple(n + f for n, f in product(("", "国家级", "国家"), _ECONOMIC_ZH)),
    tuple(n + f for n, f in product(("", "national"), _HIGH_TECH_EN)),
    tuple(n + f for n, f in product(("", "national"), _ECONOMIC_EN)),
)
_PARK_SUFFIXES = sorted(((form, family) for family in PARK_FAMILIES for form in family), key=lambda f: -len(f[0]))

_PROVINCE_SHORT = re.compile(r"^(.+?)(?:壮族|回族|维吾尔)?(?:自治区|省|市)$")
_CODE_AS_NUMBER = re.compile(r"(\d{6})\.0+")
_PUNCTUATION = re.compile(r"['’‘`´ʼ\-‐‑‒–—―_.·・]")  # Xi'an = Xian = Xi-an; 中国—新加坡 = 中国新加坡

Match = tuple[str | None, Text | None, Text | None]  # (code, error, warning)
Found = dict[str, bool]  # the codes a form names, each with whether only a former name named it


@functools.cache
def _to_simplified():
    import opencc  # imported here: only uploads need it

    return opencc.OpenCC("t2s")


@functools.cache
def aliases() -> tuple[tuple[str, str, str], ...]:
    """The names kept beside the cities table (domain/city_aliases.csv): (name, city_code, kind), kind former or
    everyday."""
    with ALIASES.open(encoding="utf-8", newline="") as f:
        rows = tuple((row["name"], row["city_code"], row["kind"]) for row in csv.DictReader(f))
    for name, code, kind in rows:
        if kind not in ALIAS_KINDS or not name_key(name) or not code:
            raise ValueError(f"{ALIASES.name}: {name},{code},{kind}: kind must be one of {ALIAS_KINDS}")
    return rows


def name_key(text: str) -> str:
    """A name as looked up: normalised (NFKC, lower case, no spaces or trailing unit), without apostrophes, hyphens
    and dots, High-tech as Hi-tech (Xi'an Hi-Tech Zone and xian high tech zone are one key)."""
    return _PUNCTUATION.sub("", normalise(text)).replace("hightech", "hitech")


def park_forms(key: str) -> list[str]:
    """The keys of a park's other forms from one of its names' key, after the same place (西安高新技术产业开发区 ->
    西安高新区, 西安高新技术开发区, 西安国家高新区 …; chengduhitechzone -> chengduhitechindustrialdevelopmentzone …);
    none for a name of no park family."""
    if not key.endswith(("区", "zone", "etdz")):  # checked first: a city list builds thousands of keys
        return []
    for form, family in _PARK_SUFFIXES:
        if key.endswith(form) and len(key) - len(form) >= 2:
            place = key[: -len(form)]
            return [place + other for other in family if other != form]
    return []


@functools.lru_cache(maxsize=100_000)
def sound(key: str) -> str:
    """A name's pinyin without tones, as one string (株州市 and 株洲市: zhuzhoushi); kept for every name asked."""
    from pypinyin import lazy_pinyin  # imported here: it loads its dictionaries (0.13 s); only unknown names need it

    return "".join(lazy_pinyin(key))


_MATCHED_BY = ("city_code", "name_zh", "name_en", "province_zh")  # the columns of the cities a matcher reads


def matcher_for(cities: pd.DataFrame) -> CityMatcher:
    """A CityMatcher of the cities (list_cities), made once for the same cities: the files of a batch, and the
    checks of one file again, share it."""
    return _matcher(tuple(tuple(cities[c].tolist()) for c in _MATCHED_BY))


@functools.lru_cache(maxsize=4)
def _matcher(columns: tuple[tuple, ...]) -> CityMatcher:
    return CityMatcher(pd.DataFrame(dict(zip(_MATCHED_BY, columns, strict=True))))


class CityMatcher:
    """Finds a city by any of the forms officers write for it (see the module's docstring)."""

    def __init__(self, cities: pd.DataFrame):
        codes, names_zh = cities["city_code"].tolist(), cities["name_zh"].tolist()
        self._names = dict(zip(codes, names_zh, strict=True))
        self._province = dict(zip(codes, cities["province_zh"].tolist(), strict=True))
        self._index: dict[str, Found] = {}
        for code, zh, en in zip(codes, names_zh, cities["name_en"].tolist(), strict=True):
            en = en if isinstance(en, str) else ""
            zh_key, en_key = name_key(zh), name_key(en)
            for key in (name_key(code), zh_key, name_key(short_name(zh)), en_key):
                self._add(key, code)
            for key in (*park_forms(zh_key), *park_forms(en_key)):
                self._add(key, code)
        for name, code, kind in aliases():
            if code in self._names:
                key = name_key(name)
                self._add(key, code, former=kind == "former")
                if kind == "everyday":
                    for other in park_forms(key):
                        self._add(other, code)
        self._index.pop("", None)
        # Each province as written in full and short (浙江省, 浙江; 广西壮族自治区, 广西), longest first.
        forms = {}
        for province in set(self._province.values()):
            forms[province] = province
            short = _PROVINCE_SHORT.match(province)
            if short and len(short.group(1)) >= 2:
                forms[short.group(1)] = province
        self._provinces = sorted(forms.items(), key=lambda item: -len(item[0]))
        self._by_length: dict[int, list[str]] | None = None  # the Chinese keys by length, made for the first unknown

    def _add(self, key: str, code: str, former: bool = False) -> None:
        """Index a key of a pilot (a pilot named by a current form too is never "former")."""
        codes = self._index.setdefault(key, {})
        codes[code] = codes.get(code, True) and former

    def name_of(self, code: str) -> str:
        """The Chinese name of a code."""
        return self._names.get(code, code)

    def province_of(self, code: str) -> str | None:
        """The province of a code (浙江省), None for an unknown code."""
        return self._province.get(code)

    def province_in(self, text: str) -> str | None:
        """The province a text starts with, in full or short (湖北省合计, 湖北合计: 湖北省), of the pilots' provinces;
        None when it starts with none."""
        text = without_invisible(unicodedata.normalize("NFKC", text)).strip()
        return next((province for form, province in self._provinces if text.startswith(form)), None)

    def find(self, raw: str) -> set[str]:
        """The codes a cell names: one, several when it is ambiguous, none when it is unknown, blank or a total row
        (quick: no suggestions are looked for)."""
        text, bare = _readable(raw)
        if _blank(text, bare) or _total(text, bare) or len(text) > MAX_NAME:
            return set()
        return set(self._found(text, bare))

    def resolve(self, raw: str) -> Match:
        """The code the cell names, the error saying why it names none (ambiguous: the candidates; unknown: the
        closest names), and a warning when it was read from a former name."""
        text, bare = _readable(raw)
        quoted = clipped(shown(raw))
        if _blank(text, bare):
            return None, Text("城市不能为空。", "The city is missing."), None
        if _total(text, bare):
            return None, Text("“{v}”是合计行，不是城市。", "'{v}' is a total row, not a city.").format(v=quoted), None
        if len(text) > MAX_NAME:
            return None, Text("未知城市“{v}”。", "Unknown city '{v}'.").format(v=quoted), None
        found = self._found(text, bare)
        if len(found) == 1:
            ((code, former),) = found.items()
            warning = None
            if former:
                warning = Text("“{v}”是旧名，按{n}（{c}）读取。", "'{v}' is a former name; read as {n} ({c}).").format(
                    v=quoted, n=self._names[code], c=code
                )
            return code, None, warning
        if found:
            names = "、".join(f"{self._names[c]}（{c}）" for c in sorted(found))
            return (
                None,
                Text(
                    "“{v}”可指多个城市：{n}。请填写城市代码。", "'{v}' could be any of: {n}. Use the city code."
                ).format(v=quoted, n=names),
                None,
            )
        hint = "、".join(self._suggestions(text))
        message = (
            Text("未知城市“{v}”。最接近的是：{h}。", "Unknown city '{v}'. The closest are: {h}.")
            if hint
            else Text("未知城市“{v}”。", "Unknown city '{v}'.")
        )
        return None, message.format(v=quoted or "—", h=hint), None

    def _found(self, text: str, bare: str | None) -> Found:
        """The codes a cell's text names, the text without its brackets' marks too."""
        found = self._look_up(text) or self._other_forms(text)
        if bare is not None:
            _merge(found, self._look_up(bare) or self._other_forms(bare))
        return found

    def _look_up(self, text: str) -> Found:
        """The codes a name or code names exactly, with or without 市/区."""
        return dict(self._index.get(name_key(text)) or self._index.get(name_key(short_name(text))) or {})

    def _readings(self, text: str) -> list[tuple[str | None, str]]:
        """(province or None, form) for each other way of reading the text: in simplified characters, without an
        organisation's suffix, after its province, without the 市 of a city inside it (西安市高新区: 西安高新区)."""
        forms = [text] if text.isascii() else [text, _to_simplified().convert(text)]
        readings: dict[tuple[str | None, str], None] = {}
        for form in dict.fromkeys(forms):
            for name in dict.fromkeys([form, _without_suffix(form)]):
                for province, rest in [(None, name), *self._after_province(name)]:
                    readings[(province, rest)] = None
                    readings[(province, _without_inner_shi(rest))] = None
        return list(readings)

    def _other_forms(self, text: str) -> Found:
        """The codes the other written forms name (see _readings), English forms included."""
        found: Found = {}
        for province, reading in self._readings(text):
            codes = {**self._english(reading)}
            _merge(codes, self._look_up(reading))
            _merge(found, {c: f for c, f in codes.items() if province is None or self._province[c] == province})
        return found

    def _after_province(self, name: str) -> list[tuple[str, str]]:
        """(province, the rest) for each province the name starts with."""
        return [(province, name[len(form) :]) for form, province in self._provinces
                if name.startswith(form) and len(name) > len(form)]  # fmt: skip

    def _english(self, name: str) -> Found:
        """An English name after City of or Municipality of, or before City, Shi, District, Municipality or
        Municipal and an organisation (Government, Administrative Committee …)."""
        key = name_key(name)
        if not key.isascii():
            return {}
        keys = {key}
        for suffixes in (ENGLISH_ORGANISATION_SUFFIXES, ENGLISH_SUFFIXES):
            keys |= {k[: -len(s)] for k in keys for s in suffixes if k.endswith(s) and len(k) > len(s) + 2}
        keys |= {k[len(p) :] for k in keys for p in ENGLISH_PREFIXES if k.startswith(p) and len(k) > len(p) + 2}
        found: Found = {}
        for k in keys:
            _merge(found, self._index.get(k, {}))
        return found

    def _suggestions(self, text: str, n: int = 3) -> list[str]:
        """The names of the pilots closest to an unknown name: those that sound the same first (株州市: 株洲市),
        then the closest by their characters."""
        key = name_key(text)
        keys = dict.fromkeys(name_key(k) for _, r in self._readings(text) for k in (r, short_name(r)))
        same = self._same_sound([k for k in keys if k and not k.isascii() and len(k) <= MAX_SOUNDED])
        same.sort(key=lambda c: -difflib.SequenceMatcher(None, key, name_key(self._names[c])).ratio())
        close = [c for k in difflib.get_close_matches(key, list(self._index), n=4 * n, cutoff=0.5)
                 for c in sorted(self._index[k])]  # fmt: skip
        return list(dict.fromkeys(self._names[c] for c in [*same, *close]))[:n]

    def _same_sound(self, keys: list[str]) -> list[str]:
        """The codes of the pilots with a Chinese form that sounds as one of the keys (toneless pinyin)."""
        if not keys:
            return []
        if self._by_length is None:  # made whole, then shared: a matcher is shared by threads (matcher_for)
            by_length: dict[int, list[str]] = {}
            for k in self._index:
                if not k.isascii():
                    by_length.setdefault(len(k), []).append(k)
            self._by_length = by_length
        codes: dict[str, None] = {}
        for key in keys:
            heard = sound(key)
            for k in self._by_length.get(len(key), []):  # a same-sounding form has as many characters
                if sound(k) == heard:
                    codes.update(dict.fromkeys(sorted(self._index[k])))
        return list(codes)


def _readable(raw: str) -> tuple[str, str | None]:
    """A cell as names are read from it (NFKC, no invisible characters, 330100.0 as 330100), and the same without
    the marks of its brackets (None without brackets). A trailing bracket is read both ways: without it, and with
    its words (西安（高新区）: 西安 and 西安高新区, the city and the park)."""
    text = without_invisible(unicodedata.normalize("NFKC", raw)).strip()
    code_as_number = _CODE_AS_NUMBER.fullmatch(text)
    if code_as_number:
        text = code_as_number.group(1)
    return text, text.replace("(", "").replace(")", "") if "(" in text else None  # NFKC made （） ()


def _blank(text: str, bare: str | None) -> bool:
    """Whether a cell names nothing (blank, or only brackets)."""
    return not normalise(text) and not (bare and normalise(bare))


def _total(text: str, bare: str | None) -> bool:
    """Whether a cell names a total row (合计, （合计）)."""
    return is_total(text) or bool(bare and is_total(bare))


def _merge(found: Found, more: Found) -> None:
    """Add codes to those found (a code found by a current form is not "former")."""
    for code, former in more.items():
        found[code] = found.get(code, True) and former


def _without_suffix(name: str) -> str:
    """A name without an organisation's suffix (杭州市科协 -> 杭州市)."""
    for suffix in ORGANISATION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _without_inner_shi(name: str) -> str:
    """A name without the 市 of a city inside it (西安市高新区 -> 西安高新区, 武汉市东湖高新区 -> 武汉东湖高新区)."""
    at = name.find("市", 2)
    return name[:at] + name[at + 1 :] if 0 < at < len(name) - 1 else name


def short_name(name: str) -> str:
    """A Chinese name without its last 市 or 区 (杭州市 -> 杭州)."""
    name = unicodedata.normalize("NFKC", name).strip()
    return name[:-1] if len(name) > 2 and name[-1] in "市区" else name
