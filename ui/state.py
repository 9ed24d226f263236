"""The shared sidebar and the view's state in the URL, so a link reproduces what someone is looking at."""

from __future__ import annotations

import threading
from collections import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from metrics.analysis.collection import Collection, YearBeingCollected
from metrics.domain.i18n import Text
from metrics.domain.programme import KIND_NAMES, KINDS, REGION_NAMES, REGIONS, Scope
from metrics.domain.years import YearRange
from metrics.store.releases import WORKING, Release

LANG_NAMES = {"zh": "中文", "en": "English"}
EVENTS_HELP = Text(
    "在趋势图上标出各批试点命名和项目大事（大事表可在“数据上传”页更新）。",
    "Marks pilot batches and programme events on time charts (the events list is updated on the Upload page).",
)


@dataclass(frozen=True)
class View:
    """What a page shows: language, years and which pilots (the sidebar's choice), and of which data; pages hand it
    to ui/data.py with every read."""

    lang: str
    years: YearRange
    scope: Scope
    events: bool = True  # draw batch designations and programme events on time charts
    release: Release | None = None  # a published release shown instead of the working data
    collection: Collection | None = None  # which of the data's years are still being collected (provisional)

    def t(self, text: Text) -> str:
        """A message in the chosen language."""
        return text(self.lang)

    def being_collected(self, year: int) -> YearBeingCollected | None:
        """The year as being collected, or None when it is complete."""
        return self.collection.of(year) if self.collection else None

    def year_label(self, year: int) -> str:
        """How a heading or card names a year: 2025, or 2026（报送中，12/65） while it is being collected."""
        being = self.being_collected(year)
        return being.label()(self.lang) if being else str(year)

    def heading(self, text: Text, year: int) -> str:
        """A heading naming a year ({y} in `text`), followed by （报送中，12/65） while the year is being collected."""
        being = self.being_collected(year)
        return self.t(text.format(y=year).then(being.mark()) if being else text.format(y=year))

    def offered(self, year: int) -> bool:
        """Whether a page may offer the year: not one being collected unless the sidebar's years include it."""
        return year in self.years or self.being_collected(year) is None

    def source(self) -> Text:
        """The line naming the data shown: 数据：2025年度数据（第1版），2026-03-04 发布, or the working data."""
        return self.release.source() if self.release else WORKING


def _split(raw: str) -> list[str]:
    return [p for p in raw.split(",") if p]


_BOOK = "_url_book"  # this session's bookkeeping of the URL's state, one plain dict (see _book)


def _book() -> dict[str, dict]:
    """This session's bookkeeping: "kept", a copy of each choice bound to the URL, by name (Streamlit forgets a
    widget's state on a run that does not draw it, on another page; the copy survives); "spans", the data's span a
    year range was last clamped to; "bound", the names bound during this run. One entry in the session state,
    changed in place: each write to the session state costs several reads, and each entry is walked by every
    widget drawn."""
    ctx = get_script_run_ctx()
    session = ctx.session_state if ctx is not None else None
    held = getattr(_HELD, "book", None)
    if held is not None and session is not None and held[0] is session:  # a dozen binds a run: looked up once
        return held[1]
    book = st.session_state.get(_BOOK)
    if book is None:
        book = st.session_state[_BOOK] = {"kept": {}, "spans": {}, "bound": {}}
    if session is not None:
        _HELD.book = (session, book)
    return book


_HELD = threading.local()  # the script run on this thread: its session's state and book (Streamlit runs each
# session's script on a thread of its own)


def bind(key: str, default: Any, parse: Callable[[str], Any] = str, dump: Callable[[Any], str] = str, *,
         name: str | None = None) -> Any:  # fmt: skip
    """Seed the state of the widget `key` and keep the URL parameter `name` (default: the key) in step with it.

    The seed is the choice made under that name earlier in this session (on any page), else the URL's, else
    default. Call before creating the widget, and give the widget the value returned as its default (`index=`,
    `value=`, `default=`): the browser falls back on a widget's default when it has lost the widget's state, which
    Streamlit's page does in a race at the start of a run, and a form submitted then would send that default
    (`global.disableWidgetStateDuplicationWarning` in .streamlit/config.toml: both are set on purpose). Pages that
    offer the same choice (an indicator, say) share a name but each needs its own key: Streamlit ties a key to one
    widget.
    """
    name = name or key
    book = _book()
    value = st.session_state.get(key, _ABSENT)
    if value is _ABSENT:
        kept = book["kept"]
        value = kept.get(name, default)
        raw = st.query_params.get(name)
        if name not in kept and raw is not None:
            try:
                value = parse(raw)
            except (ValueError, TypeError):
                value = default  # a hand-edited link with a bad value falls back to the default
        st.session_state[key] = value
    book["bound"][name] = (key, dump)
    return value


def choose(key: str, value: Any, name: str | None = None) -> None:
    """Make `value` the choice bound as bind(key, name=name), as if made earlier in this session; call it before
    that bind() (whose widget then takes it)."""
    _book()["kept"][name or key] = value
    st.session_state.pop(key, None)


def bind_list(
    key: str,
    default: Sequence,
    options: abc.Collection,
    cast: Callable[[str], Any] = str,
    limit: int | None = None,
    *,
    name: str | None = None,
) -> list:
    """bind() for a multiselect: a comma-separated list in the URL; unknown and repeated entries dropped, at most
    `limit` kept (`options` is only tested for membership: a set where there are thousands)."""

    def clean(values: Sequence) -> list:
        return [v for v in dict.fromkeys(values) if v in options][:limit]

    def parse(raw: str) -> list:
        return [cast(p) for p in _split(raw)]

    current = bind(key, list(default), parse, lambda v: ",".join(str(x) for x in v), name=name)
    cleaned = clean(current)
    if cleaned != list(current):
        st.session_state[key] = current = cleaned
    return current


def bind_choice(
    key: str, default: Any, options: abc.Collection, cast: Callable[[str], Any] = str, *, name: str | None = None
) -> Any:
    """bind() for a single choice among options (a set where there are thousands: only tested for membership)."""
    value = bind(key, default, cast, name=name)
    if value not in options:
        st.session_state[key] = value = default
    return value


def bind_index(
    key: str, default: Any, options: Sequence, cast: Callable[[str], Any] = str, *, name: str | None = None
) -> int:
    """bind_choice() as the position of the choice in `options`: a radio's or a selectbox's index=."""
    return options.index(bind_choice(key, default, options, cast, name=name))


def bind_range(key: str, span: YearRange) -> YearRange:
    """bind() for a year range ('2018-2025' in the URL) clamped to the data's span; anything unreadable gives the
    whole span. The widget's state is the (from, to) pair a slider holds.

    A range that reached the first or last year of the data keeps reaching it when the data grows (a new year
    uploaded shows at once).
    """
    chosen = bind(key, span.pair, lambda raw: YearRange.parse(raw).pair, lambda v: YearRange.of(v).url)
    lo, hi = chosen
    spans = _book()["spans"]
    old_first, old_last = spans.get(key, span.pair)
    lo = span.first if lo == old_first else lo
    hi = span.last if hi == old_last else hi
    spans[key] = span.pair
    years = YearRange.clamped(lo, hi, span)
    if chosen != years.pair:
        st.session_state[key] = years.pair
    return years


def write_url(keep_others: bool = False) -> None:
    """Put every state bound during this run into the URL (dropping empty ones and, unless `keep_others`, other
    pages' keys), and keep a copy of each so that it survives a visit to another page. The sign-in page keeps the
    others: a shared link's view is still there once its reader has signed in."""
    book = _book()
    bound, book["bound"] = book["bound"], {}
    kept = book["kept"]
    shown = st.query_params.to_dict()
    wanted = dict(shown) if keep_others else {}
    for name, (key, dump) in bound.items():
        value = st.session_state.get(key, _ABSENT)
        if value is _ABSENT:
            continue
        kept[name] = value
        text = dump(value)
        if text:
            wanted[name] = text
    if shown != wanted:
        st.query_params.from_dict(wanted)


_ABSENT = object()


def write_now(key: str, text: str, *, name: str | None = None) -> None:
    """Put the state `key`, bound as bind(key, name=name), into the URL now (as `text`; empty drops it) and keep it for
    other pages, as write_url does at the end of a run: a fragment's rerun (ui/data.fragment) never gets there."""
    name = name or key
    value = st.session_state.get(key, _ABSENT)
    if value is not _ABSENT:
        _book()["kept"][name] = value
    if text and st.query_params.get(name) != text:
        st.query_params[name] = text
    elif not text and name in st.query_params:
        del st.query_params[name]


def current_lang() -> str:
    """The chosen language (read before the sidebar is drawn, for page titles)."""
    return bind_choice("lang", "zh", tuple(LANG_NAMES))


def language_choice(lang: str | None = None) -> str:
    """The language radio at the top of the sidebar (the same widget on every page, so the choice carries over);
    `lang` is current_lang() when the caller has just read it."""
    lang = lang or current_lang()
    with st.sidebar:
        return st.radio(
            Text("语言", "Language")(lang), tuple(LANG_NAMES), index=tuple(LANG_NAMES).index(lang),
            format_func=LANG_NAMES.get, key="lang", horizontal=True,
        )  # fmt: skip


COLLECTING = Text("含报送中年份", "Include the year being collected")
COLLECTING_HELP = Text(
    "{y} 年数据仍在报送中，默认不显示；打开后图表和指标卡会标明“报送中”，数字为临时数。",
    "The figures for {y} are still coming in and are left out by default; when included, every chart and card "
    "marks them as being collected (provisional).",
)


def sidebar(
    collected: Collection,
    batches: Sequence[int],
    may_edit: bool = False,
    release: Release | None = None,
    lang: str | None = None,
) -> View:
    """Draw the rest of the shared sidebar, under the language and the data chosen (data_choice.py): years within
    the data's, region, kind, batch; return the selection, a view of `release` (None: the working data), whose
    years and batches `collected` and `batches` are.

    The years end at the latest complete year; an editor may include the years being collected of the working data
    (`may_edit`), which the view then carries so that every page marks them. `lang` is current_lang() when the
    caller has just read it."""
    lang = lang or current_lang()

    def t(text: Text) -> str:
        return text(lang)

    with st.sidebar:
        span = collected.complete_span
        if may_edit and release is None and collected.within(collected.span) and span != collected.span:
            included = bind("collecting", False, lambda raw: raw == "1", lambda on: "1" if on else "")
            shown = t(Text("、", ", ")).join(str(c.year) for c in collected.within(collected.span))
            if st.toggle(t(COLLECTING), value=included, key="collecting", help=t(COLLECTING_HELP).format(y=shown)):
                span = collected.span
        years = bind_range("years", span)
        if span.first < span.last:
            picked: Any = st.slider(t(Text("年份", "Years")), span.first, span.last, value=years.pair, key="years")
            years = YearRange(int(picked[0]), int(picked[1]))
        regions = st.multiselect(
            t(Text("地区", "Region")), REGIONS, default=bind_list("region", [], REGIONS), key="region",
            format_func=lambda r: REGION_NAMES[r](lang),
            placeholder=t(Text("全部地区", "All regions")), select_all=False,
        )  # fmt: skip
        kinds = st.multiselect(
            t(Text("类型", "Kind")), KINDS, default=bind_list("kind", [], KINDS), key="kind",
            format_func=lambda k: KIND_NAMES[k](lang),
            placeholder=t(Text("城市和园区", "Cities and parks")), select_all=False,
        )  # fmt: skip
        chosen_batches = st.multiselect(
            t(Text("试点批次", "Pilot batch")), list(batches), default=bind_list("batch", [], list(batches), int),
            key="batch",
            format_func=lambda b: t(Text("第{b}批", "Batch {b}").format(b=b)),
            placeholder=t(Text("全部批次", "All batches")), select_all=False,
        )  # fmt: skip
        marked = bind("events", True, lambda raw: raw != "0", lambda on: "" if on else "0")
        events = st.toggle(t(Text("图中标注批次与大事", "Mark batches and events")), value=marked, key="events",
                           help=t(EVENTS_HELP))  # fmt: skip
    scope = Scope(
        regions=tuple(regions) or None,
        kinds=tuple(kinds) or None,
        batches=tuple(int(b) for b in chosen_batches) or None,
    )
    return View(lang, years, scope, events, release=release, collection=collected)


VIEW = "_view"  # the session state's key of the view of this run


def view() -> View:
    """The selection made in the sidebar during this run (pages call this)."""
    return st.session_state[VIEW]


def hold(key: str, value: Any) -> None:
    """Keep `value` in the session state under `key` for the rest of this run (and a fragment's reruns), written only
    when it differs from what is held: most runs find what the last one held, and a write costs several reads."""
    if st.session_state.get(key, _ABSENT) != value:
        st.session_state[key] = value
