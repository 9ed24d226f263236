"""A deck in a link: the charts of a deck as one short URL-safe text (`deck=` in the app's URLs, and what a saved deck
keeps), and back."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import MISSING, Field, asdict, fields, is_dataclass
from typing import cast

from ..domain.i18n import Refused, Text
from ..domain.programme import Scope
from ..store.saved_decks import SavedDeck
from .chart_spec import ChartSpec
from .kinds import checked


def specs_text(specs: Sequence[ChartSpec]) -> str:
    """Charts as one short URL-safe text (a deck a link carries): JSON of each spec's fields that differ from the
    defaults, compressed; '' for none."""
    if not specs:
        return ""
    plain = [{k: v for k, v in asdict(s).items() if v != _SPEC_DEFAULTS.get(k)} for s in specs]
    packed = zlib.compress(json.dumps(plain, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def specs_from_text(text: str) -> list[ChartSpec]:
    """The charts `specs_text` made, each checked against its kind; ValueError for text it did not make (a link cut
    short or hand-edited)."""
    if not text:
        return []
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        stream = zlib.decompressobj()
        unpacked = stream.decompress(packed, 2**16)  # a deck is far smaller: no zip bomb
        if not stream.eof:
            raise ValueError("cut short")  # its checksum is missing: a link copied in part
        plain = json.loads(unpacked)
        return [_spec_from_plain(p) for p in plain]
    except (ValueError, TypeError, KeyError, zlib.error) as exc:
        raise ValueError(f"not a deck: {exc}") from None


UNREADABLE = Text(
    "无法读取演示稿“{name}”的图表（可能由更新版本的仪表盘保存）。",
    "The charts of the deck “{name}” cannot be read (a later version of the dashboard may have saved it).",
)


def saved_specs(deck: SavedDeck) -> list[ChartSpec]:
    """The charts of a saved deck; Refused when they cannot be read."""
    try:
        return specs_from_text(deck.definition)
    except ValueError:
        raise Refused(UNREADABLE.format(name=deck.name)) from None


def _default(f: Field) -> object:
    """A field's default as it stands in a spec's plain form (asdict)."""
    value = f.default if f.default is not MISSING else cast(Callable[[], object], f.default_factory)()
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


# What a link leaves out: each field's default. The fields without one (chart, indicator, years) are always written.
_SPEC_DEFAULTS = {
    f.name: _default(f) for f in fields(ChartSpec) if f.default is not MISSING or f.default_factory is not MISSING
}
# How a field's value comes back from JSON (lists to tuples); a field not named here comes back as it is.
_FROM_JSON = {
    "years": lambda v: (int(v[0]), int(v[1])),
    "scope": lambda v: Scope(**{k: tuple(x) if x is not None else None for k, x in (v or {}).items()}),
    "cities": tuple,
    "events": bool,
}
_FIELDS = tuple(f.name for f in fields(ChartSpec))


def _spec_from_plain(plain: dict) -> ChartSpec:
    """A checked spec from its plain form, field by field name; a field left out takes its default, one not of
    ChartSpec is ignored (a link written by a later version)."""
    if not isinstance(plain, dict):
        raise TypeError("a chart is an object")
    return checked(ChartSpec(**{n: _FROM_JSON.get(n, _same)(plain[n]) for n in _FIELDS if n in plain}))


def _same(value):
    return value
