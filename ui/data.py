"""Cached access to metrics from the app: results are keyed on the versions of what they read (store/reads.py), so
a commit invalidates those that read what it changed and leaves the others warm.

The caches are plain in-process LRU maps (ui/single_flight.py) rather than st.cache_data/st.cache_resource: a
warm rerun looks up a dozen results, and Streamlit's caches hash every argument with their own hasher and
unpickle a copy of every hit, which made lookups most of a warm rerun (measured with benchmarks/run.py). The
results are shared, not copied: callers never change them. Concurrent misses of one key compute it once.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar, cast, overload

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from metrics.analysis.changes import Revision
from metrics.analysis.collection import Collection
from metrics.analysis.collection import collection as _collection
from metrics.domain.years import YearRange
from metrics.present import chart_resolve, charts
from metrics.present.chart_data import ChartData
from metrics.present.chart_resolve import pilots, resolve
from metrics.present.chart_spec import ChartSpec
from metrics.present.plotly_layout import Style
from metrics.present.revision_marks import mark_revised
from metrics.store import kept_backups, published, releases
from metrics.store.database import Database, DuckDBDatabase, open_database
from metrics.store.meta import run_state
from metrics.store.reads import READ_CACHE, Reads, kept_reads, reads_of
from metrics.store.releases import Release
from ui.run_slots import RUN_SLOTS
from ui.single_flight import SingleFlightCache
from ui.state import View

T = TypeVar("T")


def database() -> Database:
    """The process's read-write connection (opened once, shared by all sessions)."""
    return open_database()


_RUN = threading.local()  # the snapshot of the script run on this thread (Streamlit runs each session's script
# on a thread of its own)


@contextmanager
def run_snapshot() -> Iterator[tuple]:
    """Hold one read snapshot for a whole script run and yield its data key: every query of the run sees the same
    committed data (an upload committing meanwhile shows on the next run, never half of it on this one).

    The snapshot's transaction begins at the run's first query, so a run whose results are all cached (most
    clicks) asks DuckDB nothing at all (see Database.known_state)."""
    with _snapshot() as key:
        yield _remember_key(database(), key[1:])


@contextmanager
def _snapshot() -> Iterator[tuple]:
    """This thread's snapshot of the data (as run_snapshot's) and its key, without the session's state."""
    database_ = database()
    with ExitStack() as stack:
        _RUN.stack, _RUN.database, _RUN.cursor, _RUN.local, _RUN.frozen = stack, database_, None, {}, {}
        try:
            _RUN.key = (database_.name, *(database_.known_state() or database_.run_state(_run_cursor())))
            yield _RUN.key
        finally:
            _RUN.stack = _RUN.database = _RUN.cursor = _RUN.key = _RUN.local = _RUN.frozen = None


def fragment(body: Callable[[], None]) -> Callable[[], None]:
    """st.fragment(body): a widget in it reruns `body` alone, which takes a run slot and reads one snapshot of the
    data, as a whole run does in dashboard.py."""

    @functools.wraps(body)
    def in_a_snapshot() -> None:
        if getattr(_RUN, "key", None) is not None:  # drawn by the whole script's run: its slot and snapshot
            return body()
        with RUN_SLOTS, run_snapshot():
            return body()

    return st.fragment(in_a_snapshot)


def _run_cursor():
    """This run's snapshot cursor, its transaction begun on first use."""
    if _RUN.cursor is None:
        _RUN.cursor = _RUN.stack.enter_context(_RUN.database.snapshot())
    return _RUN.cursor


@contextmanager
def reading(data_key: tuple | None = None) -> Iterator:
    """A cursor for reading: this run's snapshot when it shows the data `data_key` names, else a fresh one; the
    store's reads through it are kept for that data (series.READ_CACHE). A release's key (release_key) gives a
    cursor reading that release (releases.frozen), one per run and release."""
    if data_key is not None and data_key[1] == _RELEASE:
        with _frozen_cursor(data_key) as cur, _reads_kept(data_key):
            yield cur
        return
    if getattr(_RUN, "key", None) is not None and (data_key is None or data_key == _RUN.key):
        begun = _RUN.cursor is not None
        cur = _run_cursor()
        # DuckDB takes a transaction's snapshot at its first statement, so this one is a statement (not the known
        # state): it fixes the snapshot, and checks that no write landed since the run started. If one did, the
        # run starts again on the new data rather than show some of each.
        if not begun and run_state(cur) != _RUN.key[1:]:
            st.rerun()
        with _reads_kept(_RUN.key, _RUN.local):
            yield cur
        return
    with open_database(data_key[0] if data_key else None).cursor() as cur, _reads_kept(data_key):
        yield cur


_RELEASE = "release"  # the second part of a release's data key (a working key has the database's id there)


def release_key(release: Release) -> tuple:
    """The data key of a release: (database path, "release", its stamp, its id). A release never changes, so what
    is cached under it stays true whatever is loaded, undone or approved since."""
    return (database().name, _RELEASE, release.stamp, release.release_id)


@contextmanager
def _frozen_cursor(key: tuple) -> Iterator:
    """A cursor reading the release `key` names: the run's own (made on first use, closed with the run), or
    outside a run one for the block."""
    held = getattr(_RUN, "frozen", None)
    if held is None:
        with open_database(key[0]).cursor() as cur, releases.frozen(cur, key[3]) as frozen:
            yield frozen
        return
    if key not in held:
        cur = _RUN.stack.enter_context(open_database(key[0]).cursor())
        held[key] = _RUN.stack.enter_context(releases.frozen(cur, key[3]))
    yield held[key]


_reads = SingleFlightCache[object](None, maxsize=4096)  # (stamp, name, args) -> what the store read
_PER_RUN = frozenset({"year_span"})  # reads every series asks for: a run looks them up once, then holds them


@contextmanager
def _reads_kept(data_key: tuple | None, run_local: dict | None = None) -> Iterator[None]:
    """Within the block, the store's cacheable reads (series.READ_CACHE) are kept under `data_key`; those in
    _PER_RUN also in `run_local`, the script run's own (so the span is looked up once per run, not per series)."""
    if data_key is None:
        yield
        return

    def memo(name: str, args: tuple, compute: Callable[[], Any]) -> Any:
        if run_local is None or name not in _PER_RUN:
            return _reads.get((_stamp(data_key, kept_reads(name, args)), name, args), compute)
        if (name, args) not in run_local:
            run_local[name, args] = _reads.get((_stamp(data_key, kept_reads(name, args)), name, args), compute)
        return run_local[name, args]

    token = READ_CACHE.set(memo)
    try:
        yield
    finally:
        READ_CACHE.reset(token)


_SCHEDULES: dict[str, threading.Event] = {}  # one backup schedule per database in this process
_SCHEDULES_LOCK = threading.Lock()


def start_backup_schedule(db_path: str) -> threading.Event | None:
    """Back the database up every $PILOT_BACKUP_HOURS hours from this process (started once); None when unset.

    A plain process-wide registry, not st.cache_resource: any client may ask Streamlit to clear its caches.
    """
    hours, keep = kept_backups.schedule_from_env()
    if hours <= 0:
        return None
    with _SCHEDULES_LOCK:
        if db_path not in _SCHEDULES:
            database_ = open_database(db_path)
            stop = _SCHEDULES[db_path] = threading.Event()
            args = (database_, kept_backups.default_folder(database_.folder), hours, keep, stop)
            threading.Thread(target=kept_backups.run_schedule, args=args, name="scheduled-backups", daemon=True).start()
        return _SCHEDULES[db_path]


_PUBLISHING: dict[str, threading.Event] = {}  # one publisher per DuckDB file in this process


def start_publishing(database_: Database) -> threading.Event | None:
    """Keep a published copy of a DuckDB file for other processes to read (store/published.py), from a thread of
    this process (started once); None on PostgreSQL, where every process reads the database itself."""
    if not isinstance(database_, DuckDBDatabase):
        return None
    if database_.name in _PUBLISHING:  # every run asks
        return _PUBLISHING[database_.name]
    with _SCHEDULES_LOCK:
        if database_.name not in _PUBLISHING:
            stop = _PUBLISHING[database_.name] = threading.Event()
            publisher = threading.Thread(
                target=published.keep_published, args=(database_, stop), name="published-copy", daemon=True
            )
            publisher.start()
            atexit.register(_stop_thread, stop, publisher)  # done before DuckDB's objects are torn down at exit
        return _PUBLISHING[database_.name]


def _stop_thread(stop: threading.Event, thread: threading.Thread) -> None:
    stop.set()
    thread.join(timeout=10)


def refresh_data_version() -> tuple:
    """Read which data is loaded (outside a run's snapshot); `get` keys its cache on it."""
    database_ = database()
    with database_.cursor() as cur:
        return _remember_key(database_, database_.run_state(cur))


def _remember_key(database_: Database, state: tuple) -> tuple:
    key = (database_.name, *state)
    if st.session_state.get("_data_key") != key:  # a write to the session state costs more than a read
        st.session_state["_data_key"] = key
    return key


def _stamp(data_key: tuple, reads: Reads | None) -> tuple:
    """What a result reading `reads` of the data `data_key` names is kept under: a release's key whole (a release
    never changes); of the working data, the database and the version of what it reads, so that a write leaves
    the results that do not read what it changed warm (None: it reads everything, and any write changes it)."""
    if len(data_key) < 5:  # a release's, or a key without versions (a test's)
        return data_key
    return data_key[0], data_key[1], data_key[4].stamp(reads)


_results = SingleFlightCache[object](None, maxsize=2048)  # (stamp, function, args, kwargs) -> its result


def _cached(data_key: tuple, function: Callable, args: tuple, kwargs: tuple):
    def compute():
        with reading(data_key) as cur:
            return function(cur, *args, **dict(kwargs))

    stamp = _stamp(data_key, reads_of(function, args, kwargs))
    return _results.get((stamp, function, args, kwargs), compute)


@overload
def read(view: View, what: ChartSpec) -> ChartData: ...
@overload
def read(view: View, what: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...
def read(view, what, *args, **kwargs):  # fmt: skip
    """The one door for a page's reads: what(cursor, *args, **kwargs) of metrics (analysis, present, or a store
    read named in ui/stored.py), or the chart a ChartSpec names, in the view's language; of the data the view
    shows, cached until that data changes.

    The arguments must be hashable (tuples, not lists); the result is shared with every later caller, so it is
    never changed.
    """
    key = _key(view.release)
    if isinstance(what, ChartSpec):
        return _chart_data(key, what, view.lang, view.release)
    return _cached(key, what, args, tuple(sorted(kwargs.items())) if kwargs else ())


def make(view: View, maker: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """maker(cursor, *args, **kwargs): a file made from the data the view shows when it is asked for (a
    download's bytes), not kept; outside a script run (a download made on click) it reads a snapshot of its own."""
    key = _key(view.release)
    if key[1] == _RELEASE or getattr(_RUN, "key", None) is not None:
        with reading(key) as cur:
            return maker(cur, *args, **kwargs)
    with database().snapshot() as cur:
        return maker(cur, *args, **kwargs)


def _key(release: Release | None) -> tuple:
    """The data key of the data shown: a release's, else (None) this run's working data."""
    return data_key() if release is None else release_key(release)


def span() -> YearRange:
    """The years the data spans (read once per write, with the years being collected; the sidebar and every
    page's years are within it)."""
    return collection().span


def collection(release: Release | None = None) -> Collection:
    """The data's years and which of them are being collected, of the working data or a release (read once per
    write: the sidebar asks on every run)."""
    return of(release, _collection)


def get(function: Callable, *args, **kwargs):
    """function(cursor, *args, **kwargs) of metrics, cached until what it reads changes: for ui/
    itself (the sidebar, sign-in); pages read through `read`, with their view.

    The arguments must be hashable (tuples, not lists); the result is shared with every later caller, so it is
    never changed.
    """
    return _cached(data_key(), function, args, tuple(sorted(kwargs.items())))


def of(release: Release | None, function: Callable, *args):
    """function(cursor, *args) of a release's data, or (None) of the working data, cached as `get` is: for the
    sidebar, which reads the data it is about to show before there is a view of it."""
    return _cached(_key(release), function, args, ())


_charts = SingleFlightCache[ChartData](None, maxsize=1024)  # (chart key, spec, lang, release) -> its data


def _chart_key(data_key: tuple, spec: ChartSpec) -> tuple:
    """What a chart's data is kept under: the version of what it reads, and which of its years are being collected
    (read with the run's other reads: its axis and caption say so; a file for a year it does not show leaves it
    alone)."""
    if len(data_key) < 5:
        return data_key
    collecting = _cached(data_key, _collection, (), ()).within(YearRange(*spec.years))
    return (*_stamp(data_key, chart_resolve.reads(spec)), collecting)


def _chart_data(data_key: tuple, spec: ChartSpec, lang: str, release: Release | None) -> ChartData:
    # `release` is the one the key reads (or None), named in the source line: in the key, a withdrawal makes a new
    # entry, which says so
    def compute() -> ChartData:
        named = _cached(data_key, pilots, (lang,), ())
        with reading(data_key) as cur:
            return resolve(cur, spec, lang, named, release)

    return _charts.get((_chart_key(data_key, spec), spec, lang, release), compute)


_drawn = SingleFlightCache[object](None, maxsize=512)  # (chart key, spec, lang, release, draw) -> what it drew


def drawn(view: View, spec: ChartSpec, draw: Callable[[ChartData], T]) -> T:
    """draw(the chart data of spec), of the data the view shows (a chart's miniature, say): made once per version of
    what the chart reads, as the chart data is, and shared (never changed)."""
    key = _key(view.release)
    found = _drawn.get(
        (_chart_key(key, spec), spec, view.lang, view.release, draw),
        lambda: draw(_chart_data(key, spec, view.lang, view.release)),
    )
    return cast(T, found)


class BuiltFigure(go.Figure):
    """A finished figure that keeps its dict form: st.plotly_chart asks every rerun for figure.to_dict(), and
    Plotly's to_dict walks every array of every trace to encode it again (in a load test, the largest part of a
    warm rerun). Never changed once built, so the dict stays true."""

    def __init__(self, figure: dict):
        super().__init__(figure, _validate=False)  # st.plotly_chart validates a plain dict again on every rerun
        self._as_dict = figure

    def to_dict(self) -> dict:
        """The figure as Plotly's dict, arrays already encoded (the same dict every time: callers do not change it)."""
        return self._as_dict


_figures = SingleFlightCache[go.Figure](None, maxsize=512)  # (chart key, spec, lang, style, release) -> figure
_revised_figures = SingleFlightCache[go.Figure](None, maxsize=256)  # the same and the figures revised -> figure


def _figure(data_key: tuple, spec: ChartSpec, lang: str, style: Style, release: Release | None) -> go.Figure:
    def compute() -> go.Figure:
        figure = charts.figure(_chart_data(data_key, spec, lang, release), style)
        return BuiltFigure(json.loads(pio.to_json(figure, validate=False)))  # plain JSON values, a copy of its own

    return _figures.get((_chart_key(data_key, spec), spec, lang, style, release), compute)


def _revised_figure(
    data_key: tuple, spec: ChartSpec, lang: str, style: Style, release: Release | None, revised: tuple[Revision, ...]
) -> go.Figure:
    def compute() -> go.Figure:
        plain = _figure(data_key, spec, lang, style, release).to_dict()
        return BuiltFigure(mark_revised(plain, _chart_data(data_key, spec, lang, release), revised, style))

    return _revised_figures.get((_chart_key(data_key, spec), spec, lang, style, release, revised), compute)


def figure(view: View, spec: ChartSpec, style: Style, revised: tuple[Revision, ...] = ()) -> go.Figure:
    """The Plotly figure of a spec in a style, of the data the view shows, with the figures `revised` since a
    release ringed, built once per version of what it reads (never changed once built)."""
    if revised:
        return _revised_figure(_key(view.release), spec, view.lang, style, view.release, revised)
    return _figure(_key(view.release), spec, view.lang, style, view.release)


AHEAD_AFTER = 0.1  # seconds after a slide's run that the slides either side start being built


def build_ahead(view: View, specs: Sequence[ChartSpec], style: Style) -> None:
    """Build these figures of the data the view shows on a thread of their own, after this run (the slides either
    side of the one shown): a step to one then only sends it. Nothing is built if the data has changed meanwhile."""
    key = _key(view.release)
    missing = tuple(s for s in specs if (_chart_key(key, s), s, view.lang, style, view.release) not in _figures)
    if missing:  # most steps land where the last step built ahead: no thread, no run slot, no snapshot
        # A moment later: built at once, they held the interpreter while this run was still sending its slide.
        later = threading.Timer(AHEAD_AFTER, _build, args=(key, missing, view.lang, style, view.release))
        later.daemon = True
        later.start()


def _build(key: tuple, specs: tuple[ChartSpec, ...], lang: str, style: Style, release: Release | None) -> None:
    try:
        with RUN_SLOTS, _snapshot() as now:
            # a statement, which fixes the snapshot (see reading), that still shows the data the key names
            if key[1] != _RELEASE and (now != key or run_state(_run_cursor()) != key[1:]):
                return
            for spec in specs:
                _figure(key, spec, lang, style, release)
    except Exception:  # the step builds the figure itself, and shows what is wrong
        logging.getLogger(__name__).debug("building slides ahead failed", exc_info=True)


def clear_caches() -> None:
    """Forget every cached result and figure (the benchmark's cold runs start from here)."""
    for cache in (_results, _charts, _drawn, _figures, _revised_figures, _reads):
        cache.cache_clear()


def data_key() -> tuple:
    """(database path, database id, data version, records version, versions of each table and year) of this run:
    what every cache here keys on, each result on the versions of what it reads."""
    return getattr(_RUN, "key", None) or st.session_state.get("_data_key") or refresh_data_version()


def prepared_upload(content: bytes, file_name: str, sheet: str | None = None):
    """An uploaded file validated and previewed once per content, sheet and data version (not again on every
    rerun)."""
    from metrics.ingest import uploads  # only the upload page needs it

    key = (hashlib.sha256(content).hexdigest(), file_name, sheet, _data_identity())
    cached = st.session_state.get("_prepared_upload")
    if cached is None or cached[0] != key:
        cached = (key, uploads.prepare(database(), content, file_name, sheet))
        st.session_state["_prepared_upload"] = cached
    return cached[1]


def checked_batch(files: list[tuple[str, bytes]]):
    """Several uploaded files (zips unpacked, a workbook's sheets each a file) each checked once per content and
    data version; the outcomes are the page's own copies (loading a batch updates them), the checks shared."""
    from metrics.ingest import batch  # only the upload page needs it

    key = (tuple((name, hashlib.sha256(content).hexdigest()) for name, content in files), _data_identity())
    cached = st.session_state.get("_checked_batch")
    if cached is None or cached[0] != key:
        cached = (key, batch.check_files(database(), files))
        st.session_state["_checked_batch"] = cached
    return [dataclasses.replace(outcome) for outcome in cached[1]]


def _data_identity() -> tuple:
    """The data a check was made against (database path, id, data version): not the records version, which a
    refused file recorded for the round's tracker advances."""
    return data_key()[:3]
