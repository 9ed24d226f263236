"""The upload kinds: each is complete, stored under a name the database accepts, and told apart by its header."""

from __future__ import annotations

import pytest

from metrics.domain.i18n import Text
from metrics.ingest import kinds
from metrics.ingest.kind import UploadKind
from metrics.store.schema import UPLOAD_KINDS


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.name)
def test_every_kind_is_complete_and_stored_under_a_known_name(kind):
    assert isinstance(kind, UploadKind)
    assert kind.name in UPLOAD_KINDS  # the uploads table's CHECK: a new kind's migration adds its name
    assert kinds.by_name(kind.name) is kind
    for text in (kind.label, kind.what, *kind.count_labels.values()):
        assert isinstance(text, Text) and text.zh and text.en
    assert list(kind.count_labels)[:3] == ["inserted", "updated", "unchanged"]  # what every upload records


def test_names_are_unique_and_the_sample_is_no_kind():
    names = [k.name for k in kinds.KINDS]
    assert len(names) == len(set(names))
    assert kinds.by_name(kinds.SAMPLE) is None and kinds.label(kinds.SAMPLE) == kinds.SAMPLE_LABEL
    assert set(UPLOAD_KINDS) == {*names, kinds.SAMPLE}


# (a file's header, the kind it is read as)
HEADERS = [
    (("date", "title_zh", "title_en"), "events"),
    (("日期", "事件（中文）", "事件（英文）"), "events"),
    (("city_code", "name_zh", "name_en", "province_zh", "province_en", "region", "kind", "batch",
      "designated_year", "lat", "lon"), "cities"),
    (("城市代码", "中文名称", "省份"), "cities"),
    (("city", "year", "activities"), "figures"),
    (("城市", "年份", "对接活动（场）"), "figures"),
    (("city_code", "year", "agreements"), "figures"),  # a code alone describes no pilot: figures
    (("something", "else"), "figures"),  # any other file is read as figures, whose check then names the columns
]  # fmt: skip


@pytest.mark.parametrize(("header", "expected"), HEADERS)
def test_a_file_is_told_apart_by_its_header(header, expected):
    assert kinds.detect(header).name == expected
