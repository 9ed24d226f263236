"""The kinds of upload, one module each; a file's kind is told from its header, in the order of KINDS.

A new kind is a module here with one UploadKind object, listed in KINDS, and a migration for its tables
(store/schema.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.i18n import Text
from ..kind import UploadKind
from .cities import CITIES
from .events import EVENTS
from .figures import FIGURES
from .targets import TARGETS

# Asked in this order; targets are told by their target column, figures take any other file.
KINDS: tuple[UploadKind, ...] = (EVENTS, CITIES, TARGETS, FIGURES)
SAMPLE = "sample"  # the built-in sample, loaded by `init`: an upload of no kind here, never undone
SAMPLE_LABEL = Text("内置示例", "sample")


def detect(header: Sequence[str]) -> UploadKind:
    """The kind of a file with this header: the first kind that recognises it."""
    return next(kind for kind in KINDS if kind.recognises(header))


def known_header(cell: str) -> bool:
    """Whether one cell is a header some kind reads (how the header row is found on a sheet)."""
    return any(kind.knows(cell) for kind in KINDS)


def by_name(name: str) -> UploadKind | None:
    """The kind stored under this name (None for the sample, which no kind loads)."""
    return next((kind for kind in KINDS if kind.name == name), None)


def label(name: str) -> Text:
    """What the upload history calls an upload of this kind."""
    kind = by_name(name)
    return kind.label if kind is not None else SAMPLE_LABEL
