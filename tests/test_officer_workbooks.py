"""Workbooks shaped as pilots' forms come back (title rows, two-row headers, unit rows, 合计 rows, footer lines, other
sheets, .xls and .ods, the names and values people write), written by code, each checked for exactly the values it
loads, or for a refusal that says where and what to change, in Chinese and English, through the app's path
(uploads.prepare) and the CLI (`import`)."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from workbooks import WRITERS, Sheet, values_of, xlsx

from metrics.cli import main
from metrics.domain import registry
from metrics.ingest import uploads
from metrics.store.database import open_database

HEADER = ["城市", "年份", "对接活动（场）", "参与专家（人次）", "签订合作协议（项）"]
DATA = [["杭州市", 2025, 37, 120, 314], ["武汉市", 2025, 40, 130, 200]]
VALUES = {
    ("330100", 2025): {"activities": 37, "experts_participating": 120, "agreements": 314},
    ("420100", 2025): {"activities": 40, "experts_participating": 130, "agreements": 200},
}


def title_rows() -> list[Sheet]:
    return [
        Sheet(
            "汇总",
            [
                ["2025年科协创新驱动助力工程试点城市数据汇总表"],
                ["填报单位：某省科协", "", "", "填报日期：2026-01-15"],
                [],
                HEADER,
                *DATA,
                [],
                ["填表人：张三", "", "联系电话：0571-88888888"],
                ["备注：数据截至2025年12月31日。"],
            ],
            merges=[(0, 0, 0, 4)],
        )
    ]


def group_header() -> list[Sheet]:
    top = ["序号", "城市", "年份", "学术交流对接", "", "签订合作协议（项）"]
    sub = ["", "", "", "对接活动（场）", "参与专家（人次）", ""]
    rows = [[i + 1, *r] for i, r in enumerate(DATA)]
    return [
        Sheet(
            "Sheet1", [top, sub, *rows], merges=[(0, 1, 0, 0), (0, 1, 1, 1), (0, 1, 2, 2), (0, 0, 3, 4), (0, 1, 5, 5)]
        )
    ]


def unit_row() -> list[Sheet]:
    return [
        Sheet(
            "Sheet1",
            [["城市", "年份", "对接活动", "参与专家", "签订合作协议"], ["", "", "（场）", "（人次）", "（项）"], *DATA],
        )
    ]


def total_row() -> list[Sheet]:
    return [Sheet("Sheet1", [HEADER, *DATA, ["合计", "", 77, 250, 520]])]


def total_in_number_cell() -> list[Sheet]:
    rows = [[i + 1, *r] for i, r in enumerate(DATA)]
    return [Sheet("Sheet1", [["序号", *HEADER], *rows, ["合计", "", "", 77, 250, 514]], merges=[(3, 3, 0, 2)])]


def second_sheet() -> list[Sheet]:
    return [
        Sheet("填报说明", [["填报说明"], ["1. 请在“数据”工作表填写本市数据。"], ["2. 数值请填写阿拉伯数字。"]]),
        Sheet("数据", [HEADER, *DATA]),
    ]


def value_forms() -> list[Sheet]:
    header = ["行政区划代码", "年份", "对接活动（场）", "参与专家（人次）", "签订合作协议（项）", "协议金额（万元）"]
    return [
        Sheet(
            "Sheet1",
            [
                header,
                ["330100.0", "2025 年", "37场", "120", "314项", "15.37亿"],
                ["420100", "2025年度", 40, "130人次", 200, "1,234.5万元"],
            ],
        )
    ]


def name_forms() -> list[Sheet]:
    rows = [
        ["浙江省杭州市", 2020, 1],
        ["湖北武汉", 2020, 2],
        ["Hangzhou City", 2021, 3],
        ["Wuhan Shi", 2021, 4],
        ["廣州市", 2021, 5],
        ["襄樊", 2021, 6],
        ["杭州市科协", 2022, 7],
        ["杭州市\u200b", 2023, 8],
    ]
    return [Sheet("Sheet1", [["城市", "年份", "签订合作协议（项）"], *rows])]


NAMED = {
    ("330100", 2020): 1,
    ("420100", 2020): 2,
    ("330100", 2021): 3,
    ("420100", 2021): 4,
    ("440100", 2021): 5,
    ("420600", 2021): 6,
    ("330100", 2022): 7,
    ("330100", 2023): 8,
}


def years_across() -> list[Sheet]:
    return [Sheet("Sheet1", [["城市", "2023", "2024", "2025"], ["杭州市", 300, 310, 314]])]


def blank_header() -> list[Sheet]:
    return [Sheet("Sheet1", [["城市", "年份", "", "签订合作协议（项）"], ["杭州市", 2025, 37, 314]])]


def two_tables() -> list[Sheet]:
    return [Sheet("2024", [HEADER, ["杭州市", 2024, 30, 100, 300]]), Sheet("2025", [HEADER, *DATA])]


def ambiguous_amount() -> list[Sheet]:
    return [Sheet("Sheet1", [["城市", "年份", "协议金额（万元）"], ["杭州市", 2025, "1.2万"]])]


def wrong_province() -> list[Sheet]:
    return [Sheet("Sheet1", [["城市", "年份", "签订合作协议（项）"], ["浙江武汉", 2025, 1], ["杭洲市\u200b", 2025, 2]])]


@dataclass(frozen=True)
class Loads:
    """A layout that loads: the values it must give, the words the report must have (zh, en)."""

    layout: Callable[[], list[Sheet]]
    formats: tuple[str, ...]
    values: dict
    said: tuple[tuple[str, str], ...] = ()
    active: int = 0
    sheet: str | None = None  # the sheet to read (None: the one that holds a table)


LOADS = {
    "title rows, 填报单位 line, footer lines": Loads(
        title_rows,
        ("xlsx", "xls", "ods", "csv"),
        VALUES,
        (
            ("表头为第 4 行", "header in row 4"),
            ("跳过表头上方的第 1–2 行", "skipped rows 1–2 above it"),
            ("末尾第 8–9 行", "rows 8–9 at the end"),
        ),
    ),
    "a merged group row over the headers": Loads(
        group_header, ("xlsx", "xls", "ods"), VALUES, (("表头为第 1–2 行", "header in rows 1–2"),)
    ),
    "a unit row under the header": Loads(
        unit_row, ("xlsx", "xls", "ods", "csv"), VALUES, (("第 2 行是单位行", "row 2 holds units"),)
    ),
    "a 合计 row whose figures differ from the sum": Loads(
        total_row,
        ("xlsx", "xls", "ods", "csv"),
        VALUES,
        (
            ("第 4 行是合计行（“合计”），未作为城市读取", "Row 4 is a total row ('合计'); it is not read as a city"),
            ("相差 +6", "a difference of +6"),
        ),
    ),
    "a 合计 in a merged 序号 cell": Loads(
        total_in_number_cell, ("xlsx", "xls", "ods"), VALUES, (("第 4 行是合计行", "Row 4 is a total row"),)
    ),
    "data on the second sheet, instructions active": Loads(
        second_sheet, ("xlsx", "xls", "ods"), VALUES, (("读取工作表“数据”（共 2 个）", "Read sheet '数据' (of 2)"),)
    ),
    "years, codes and units as people write them": Loads(
        value_forms,
        ("xlsx", "xls", "ods", "csv"),
        {
            ("330100", 2025): {**VALUES[("330100", 2025)], "contract_value_10k_cny": Decimal("153700.00")},
            ("420100", 2025): {**VALUES[("420100", 2025)], "contract_value_10k_cny": Decimal("1234.50")},
        },
        (
            ("“37场”按 37 场 读取", "'37场' read as 37 activities"),
            ("“15.37亿”按 153,700.00 万元 读取", "'15.37亿' read as 153,700.00 10k CNY"),
        ),
    ),
    "names with provinces, suffixes, traditional and former forms": Loads(
        name_forms,
        ("xlsx", "csv"),
        {k: {"agreements": v} for k, v in NAMED.items()},
        (("“襄樊”是旧名，按襄阳市（420600）读取", "'襄樊' is a former name; read as 襄阳市 (420600)"),),
    ),
}


@dataclass(frozen=True)
class Refused:
    """A layout that is refused: where (sheet, row, column; None: anywhere) and what the message says (zh, en)."""

    layout: Callable[[], list[Sheet]]
    formats: tuple[str, ...]
    sheet: str | None
    row: int | None
    column: str | None
    said: tuple[str, str]
    read: str | None = None  # the sheet to read (None: the one that holds a table)


REFUSED = {
    "years across the columns": Refused(
        years_across,
        ("xlsx", "csv"),
        "Sheet1",
        1,
        None,
        ("年份横排在列上（2023、2024、2025）", "The years run across the columns"),
    ),
    "values under a blank header": Refused(
        blank_header,
        ("xlsx", "ods"),
        "Sheet1",
        1,
        "C",
        ("第 C 列有数据但没有表头", "Column C holds values but has no header"),
    ),
    "two sheets that both hold tables": Refused(
        two_tables,
        ("xlsx", "xls", "ods"),
        None,
        None,
        None,
        ("2 个工作表都有数据表：“2024”、“2025”", "2 sheets hold tables"),
    ),
    "万 in a column of 万元": Refused(
        ambiguous_amount,
        ("xlsx",),
        "Sheet1",
        2,
        "协议金额（万元）",
        ("含义不明", "is ambiguous in a column of 10k CNY"),
    ),
    "a city under another province's name": Refused(
        wrong_province, ("xlsx",), "Sheet1", 2, "城市", ("未知城市“浙江武汉”", "Unknown city '浙江武汉'")
    ),
    "an invisible character in an unknown name is shown": Refused(
        wrong_province, ("csv",), None, 3, "城市", ("杭洲市<U+200B>", "杭洲市<U+200B>")
    ),
}


def _name(what: str, fmt: str) -> str:
    return f"{what} · {fmt}"


LOAD_CASES = [(what, fmt) for what, case in LOADS.items() for fmt in case.formats]
REFUSED_CASES = [(what, fmt) for what, case in REFUSED.items() for fmt in case.formats]


def _file(layout: Callable[[], list[Sheet]], fmt: str, active: int = 0) -> bytes:
    return WRITERS[fmt](layout(), active)


@pytest.mark.parametrize(("what", "fmt"), LOAD_CASES, ids=[_name(*c) for c in LOAD_CASES])
def test_officers_workbooks_load_exactly_what_they_mean(sample_db, what, fmt):
    case = LOADS[what]
    prepared = uploads.prepare(sample_db, _file(case.layout, fmt, case.active), f"form.{fmt}")
    report = prepared.report
    assert report.ok, [i.as_dict("en") for i in report.issues]
    assert values_of(report.parsed()) == case.values
    told = [n.zh for n in report.read] + [i.message.zh for i in report.issues]
    told_en = [n.en for n in report.read] + [i.message.en for i in report.issues]
    for zh, en in case.said:
        assert any(zh in t for t in told), (zh, told)
        assert any(en in t for t in told_en), (en, told_en)


@pytest.mark.parametrize(("what", "fmt"), REFUSED_CASES, ids=[_name(*c) for c in REFUSED_CASES])
def test_officers_workbooks_are_refused_saying_where_and_what(sample_db, what, fmt):
    case = REFUSED[what]
    report = uploads.prepare(sample_db, _file(case.layout, fmt), f"form.{fmt}").report
    assert not report.ok
    zh, en = case.said
    found = [i for i in report.issues if i.level == "error" and zh in i.message.zh and en in i.message.en]
    assert found, [i.as_dict("zh") for i in report.issues]
    (issue, *_) = found
    expected_sheet = case.sheet if fmt != "csv" else None
    assert (issue.sheet, issue.row, issue.column) == (expected_sheet, case.row, case.column)


def test_a_picked_sheet_is_read_in_the_app_and_the_cli(sample_db, sample_path, tmp_path, capsys):
    data = xlsx(two_tables())
    prepared = uploads.prepare(sample_db, data, "two.xlsx", sheet="2024")
    assert prepared.report.ok and prepared.sheets == ("2024", "2025")
    assert values_of(prepared.report.parsed()) == {
        ("330100", 2024): {"activities": 30, "experts_participating": 100, "agreements": 300}
    }
    path = tmp_path / "two.xlsx"
    path.write_bytes(data)
    assert main(["import", str(path), "--db", str(sample_path), "--json", "--dry-run"]) == 0  # a file per sheet
    assert [f["file"] for f in json.loads(capsys.readouterr().out)["files"]] == ["two.xlsx › 2024", "two.xlsx › 2025"]
    assert main(["import", str(path), "--db", str(sample_path), "--json", "--sheet", "2025"]) == 0
    assert json.loads(capsys.readouterr().out)["sheet"] == "2025"
    assert main(["import", str(path), "--db", str(sample_path), "--sheet", "2026"]) == 1
    assert "There is no sheet '2026'; the workbook has: “2024”、“2025”" in capsys.readouterr().err


@pytest.mark.parametrize("what", list(LOADS))
def test_the_cli_loads_the_same_values(sample_path, tmp_path, capsys, what):
    case = LOADS[what]
    fmt = case.formats[0]
    path = tmp_path / f"form.{fmt}"
    path.write_bytes(_file(case.layout, fmt, case.active))
    assert main(["import", str(path), "--db", str(sample_path), "--json", "--lang", "zh"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["upload_id"]
    database = open_database(sample_path)
    with database.cursor() as cur:
        for (code, year), cells in case.values.items():
            for column, value in cells.items():
                table = registry.base(column).table
                stored = cur.execute(
                    f"SELECT {column} FROM {table} WHERE city_code = ? AND year = ?", [code, year]
                ).fetchone()[0]
                assert stored == value, (code, year, column)


FILES = [
    ("a pipe-delimited file loads", "城市|年份|签订合作协议（项）\n杭州市|2025|314\n".encode(), None),
    (
        "an unbalanced quote names its row",
        b'city,year,agreements\n"Hangzhou,2025,314\nWuhan,2025,200\n',
        ('第 2 行的引号（"）没有闭合', 'The quote (") in row 2 is never closed'),
    ),
    (
        "a password-protected workbook",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le"),
        ("工作簿设有打开密码", "The workbook is password-protected"),
    ),
    ("a damaged .xlsb is named as one", "xlsb", ("Excel (.xlsb) 文件已损坏", "The Excel (.xlsb) file is damaged")),
    ("a zip of files", None, ("这是一个 zip 压缩包（2 个文件", "This is a zip archive (2 files")),
    ("a gzip file", gzip.compress(b"city,year\n"), ("这是 gzip 压缩文件", "This is a gzip-compressed file")),
]


def _zip(what: str | None = None) -> bytes:
    """A zip of two CSV files, or (what="xlsb") one with the parts of an .xlsb workbook, damaged."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if what == "xlsb":
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.bin", b"\0\1 not a workbook")
        else:
            archive.writestr("330100_2025.csv", "城市,年份\n")
            archive.writestr("420100_2025.csv", "城市,年份\n")
    return out.getvalue()


@pytest.mark.parametrize(("what", "data", "said"), FILES, ids=[f[0] for f in FILES])
def test_files_that_are_not_tables_say_what_they_are(sample_db, what, data, said):
    report = uploads.prepare(sample_db, data if isinstance(data, bytes) else _zip(data), "file").report
    if said is None:
        assert report.ok, [i.as_dict("en") for i in report.issues]
        return
    (issue,) = report.issues
    assert said[0] in issue.message.zh and said[1] in issue.message.en, issue.message
