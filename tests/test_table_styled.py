"""A coloured or written-out table held once (ui.show.held) sends what st.dataframe and st.table send for the same
Styler made afresh: the same cell styles and the same shown values, for every kind of table the pages style, though
Streamlit rewrites only the cells whose shown text is not their own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.elements.lib import pandas_styler_utils
from streamlit.proto.ArrowData_pb2 import ArrowData

from metrics.analysis.targets import STATUSES
from metrics.present import tables
from ui import show

MOVE, STATUS = tables.MOVE.zh, tables.STATUS.zh
MET, MISSED = STATUSES["met"].zh, STATUSES["missed"].zh

# name -> (frame, how the page styles it: "coloured" (moves, statuses) or "numbers" (a short table drawn whole))
# fmt: off
TABLES = {
    "moves as text": (pd.DataFrame({"指标": ["对接活动", "签订合作协议", "专家库"],
                                    MOVE: ["↑ 2", "↓ 1", "→"]}).astype("string"), "coloured"),
    "moves with numbers": (pd.DataFrame({"试点": ["杭州市", "广州市", "天津市"], "综合指数": [81.5, np.nan, 1234.25],
                                         "位次": [1, 2, 3], MOVE: ["↑ 2", None, "↓ 10"]}), "coloured"),
    "statuses": (pd.DataFrame({"试点": ["杭州市", "广州市"], "完成率": [1.0, 0.75],
                               STATUS: [MET, MISSED]}), "coloured"),
    "arrow text": (pd.DataFrame({"code": pd.array(["330100", None], "string[pyarrow]"),
                                 MOVE: pd.array(["↑ 1", "→"], "string[pyarrow]")}), "coloured"),
    "numbers written out": (pd.DataFrame({"file": ["a.csv", "b.xlsx"], "rows": [1200.0, np.nan],
                                          "share": [0.5, 0.25]}), "numbers"),
}
# fmt: on


def _styled(frame: pd.DataFrame, how: str) -> pd.io.formats.style.Styler:
    styler = show._coloured(frame) if how == "coloured" else show._written_numbers(frame, ("rows", "share"))
    assert styler is not None
    return styler


def _sent(styler) -> tuple[str, bytes]:
    proto = ArrowData()
    pandas_styler_utils.marshall_styler(proto, styler, "table")
    return proto.styler.styles, proto.styler.display_values


@pytest.mark.parametrize("name", TABLES)
def test_a_held_table_sends_what_a_fresh_styler_sends(name, monkeypatch):
    frame, how = TABLES[name]
    held = _styled(frame, how).set_uuid("table")
    with monkeypatch.context() as m:
        m.setattr(show, "held", lambda styler: styler)
        fresh = _styled(frame, how).set_uuid("table")
    assert _sent(held) == _sent(fresh)
    assert _sent(held) == _sent(held)  # and again on the next run

    # only the cells shown otherwise than as their own text are left for Streamlit to write
    text = frame.astype(str)
    body = held._translate(False, False)["body"]
    cells = [[cell for cell in row if cell["type"] == "td"] for row in body]
    written = {(r, c) for r, row in enumerate(cells) for c, cell in enumerate(row) if "id" in cell}
    shown = {(r, c) for r, row in enumerate(cells) for c, cell in enumerate(row)
             if str(cell["display_value"]) != text.iat[r, c]}  # fmt: skip
    assert written == shown
