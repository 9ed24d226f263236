"""Returns as pilots and provinces send them, beyond the template's shape: the one-pilot statistical return (统计报表),
yearbook tables with the years across, years side by side, two tables on a sheet, the pilot or year stated only
above the table or by the sheet's name, units in headers and on unit lines, provincial totals, merged and hidden
cells. Every workbook is written by code; each case loads exactly the values the file states (through the app's
path and the CLI) or is refused naming the sheet, row and column, in Chinese and English. A generated check makes
sure that no total row, hidden draft or 上年 column ever reaches the database."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from decimal import Decimal

import pytest
from officer_returns import (
    ambiguous_unit,
    amounts_in_yuan,
    cumulative_yearbook,
    document_number_in_the_title,
    half_year,
    hidden_draft,
    hidden_row,
    merged_city,
    not_applicable,
    note_in_brackets,
    numbering_row,
    of_which_ambiguous,
    of_which_misspelt,
    provincial_return,
    return_titled_by_province,
    return_with_two_columns_for_a_year,
    return_without_pilot,
    return_year_in_title,
    second_header_other_columns,
    several_years_in_the_title,
    sheet_per_city,
    short_rows_between_tables,
    side_by_side,
    statistical_return,
    title_unit_long,
    title_year_other_than_rows,
    too_small_once_converted,
    two_pilots_stated,
    two_tables,
    two_tables_two_units,
    two_years_stated,
    unit_line,
    unit_line_listing,
    unit_not_taken,
    unit_row,
    unit_row_labelled,
    unit_the_column_cannot_take,
    units_disagree,
    unknown_row,
    value_merged_over_years,
    year_in_title,
    yearbook,
    yearbook_city_twice,
    yearbook_merged_value,
    yearbook_named_inside_words,
    yearbook_title_unit,
    yearbook_units_disagree,
    yearbook_with_indicator_column,
)
from test_officer_workbooks import Loads, Refused, _name
from workbooks import WRITERS, Sheet, values_of

from metrics.cli import main
from metrics.domain import registry
from metrics.ingest import uploads
from metrics.present import upload_tables
from metrics.store.database import open_database

HZ, WH = "330100", "420100"


def cells(**by_pilot_year: dict) -> dict:
    return {(code, int(year)): values for key, values in by_pilot_year.items() for code, year in [key.split("_")]}


LOADS = {
    "a statistical return: indicators down the rows, 本年 read, 上年 not": Loads(
        statistical_return, ("xlsx", "xls", "ods", "csv"),
        cells(**{f"{HZ}_2025": {"activities": 37, "experts_participating": 120, "agreements": 314,
                                 "contract_value_10k_cny": Decimal("161234.50")}}),
        (("竖排报表：试点按第 2 行“填报单位：杭州市科学技术协会”（杭州市），年份按第 3 行“本年（2025年）”", "Vertical form: the pilot"),
         ("“上年”列未读取", "column(s) '上年' not read"),
         ("按第 8 行“计量单位”列的单位“元”读取，已换算为万元（÷ 10,000）", "converted to 10k CNY (÷ 10,000)")),
    ),
    "a statistical return: the year from its title, the pilot from its sheet": Loads(
        return_year_in_title, ("xlsx", "xls"), cells(**{f"{WH}_2025": {"activities": 40, "experts_participating": 130}}),
        (("试点按工作表名“武汉市”", "the pilot from the sheet's name '武汉市'"),
         ("年份按第 1 行“2025年度创新驱动助力工程统计报表”", "the year from row 1"), ("“上年”“增减（%）”列未读取", "not read")),
    ),
    "a 栏次 row under the header": Loads(
        numbering_row, ("xlsx", "xls", "ods", "csv"),
        cells(**{f"{HZ}_2025": {"activities": 37, "experts_participating": 120, "agreements": 314}}),
        (("第 2 行是栏次行", "row 2 numbers the columns"),),
    ),
    "the year only in the title (a date line beside it)": Loads(
        year_in_title, ("xlsx", "xls", "ods", "csv"),
        cells(**{f"{HZ}_2025": {"activities": 37, "agreements": 314}, f"{WH}_2025": {"activities": 40, "agreements": 200}}),
        (("没有年份列：年份按第 1 行“2025年试点城市数据汇总表”读取（2025 年）", "No year column: the year is 2025"),),
    ),
    "a city merged over its 2024 and 2025 rows": Loads(
        merged_city, ("xlsx", "xls"),
        cells(**{f"{HZ}_2024": {"activities": 30, "experts_participating": 100, "agreements": 300},
                 f"{HZ}_2025": {"activities": 37, "experts_participating": 120, "agreements": 314}}),
        (("“杭州市”合并了第 2–3 行，每一行都按它读取", "'杭州市' is merged over rows 2–3"),),
    ),
    "——, 不适用, ／ and － for not applicable": Loads(
        not_applicable, ("xlsx", "csv"),
        cells(**{f"{HZ}_2025": {}, f"{WH}_2025": {"experts_participating": 130, "agreements": 200}}),
    ),
    "a province's workbook, a sheet per city without a city column": Loads(
        sheet_per_city, ("xlsx", "xls", "ods"),
        cells(**{f"{HZ}_2024": {"activities": 30, "agreements": 300}, f"{HZ}_2025": {"activities": 37, "agreements": 314}}),
        (("没有城市列：试点按工作表名“杭州市”读取（杭州市）", "No city column: the pilot is 杭州市, from the sheet's name"),),
        sheet="杭州市",
    ),
    "a yearbook table: one indicator per sheet, years across": Loads(
        yearbook, ("xlsx", "xls", "ods"),
        cells(**{f"{HZ}_{y}": {"agreements": v} for y, v in zip(range(2021, 2026), (201, 202, 203, 204, 314), strict=True)},
              **{f"{WH}_{y}": {"agreements": v} for y, v in zip(range(2021, 2026), (101, 102, 103, 104, 200), strict=True)}),
        (("年份横排在列上：每列一年（2021、2022、2023、2024、2025），指标“签订合作协议”按工作表名“签订合作协议”读取", "Years across the columns"),
         ("第 5 行是合计行（“合计”）", "Row 5 is a total row")),
        sheet="签订合作协议",
    ),
    "a yearbook sheet whose name states the indicator and its unit": Loads(
        yearbook, ("xlsx",),
        cells(**{f"{HZ}_2024": {"contract_value_10k_cny": Decimal("153700.00")},
                 f"{HZ}_2025": {"contract_value_10k_cny": Decimal("161200.00")},
                 f"{WH}_2024": {"contract_value_10k_cny": Decimal("80000.00")},
                 f"{WH}_2025": {"contract_value_10k_cny": Decimal("85000.00")}}),
        (("按工作表名“协议金额（亿元）”的单位“亿元”读取，已换算为万元（× 10,000）", "converted to 10k CNY (× 10,000)"),),
        sheet="协议金额（亿元）",
    ),
    "the same indicators under merged year headers side by side": Loads(
        side_by_side, ("xlsx", "xls", "csv"),
        cells(**{f"{HZ}_2024": {"activities": 30, "agreements": 300}, f"{HZ}_2025": {"activities": 37, "agreements": 314},
                 f"{WH}_2024": {"activities": 35, "agreements": 190}, f"{WH}_2025": {"activities": 40, "agreements": 200}}),
        (("各年的指标并排：2024年、2025年", "Indicators side by side under 2024年、2025年"),),
    ),
    "two tables on one sheet, each under its title stating its year": Loads(
        two_tables, ("xlsx", "ods", "csv"),
        cells(**{f"{HZ}_2024": {"activities": 30}, f"{WH}_2024": {"activities": 35}, f"{HZ}_2025": {"activities": 37},
                 f"{WH}_2025": {"activities": 40}}),
        (("一个工作表上有 2 个表，合在一起读取：第 3–4 行（2024 年，取自第 1 行“2024年试点城市数据”）；第 8–9 行（2025 年", "2 tables on one sheet"),),
    ),
    "a provincial return: 湖北省合计 above, 其中 rows, 小计 below": Loads(
        provincial_return, ("xlsx", "csv"),
        cells(**{f"{WH}_2025": {"activities": 40, "experts_participating": 130, "agreements": 200},
                 "P0004_2025": {"activities": 10, "experts_participating": 20, "agreements": 30},
                 f"{HZ}_2025": {"activities": 37, "experts_participating": 120, "agreements": 314}}),
        (("第 2 行是合计行（“湖北省合计”）", "Row 2 is a total row ('湖北省合计')"),
         ("“其中：东湖高新区”按试点武汉东湖新技术开发区读取", "is read as the pilot"),
         ("第 5 行“其中：光谷生物城”是分项，不是试点，未读取", "Row 5 '其中：光谷生物城' is a part of a row"),
         ("第 6 行是合计行（“浙江省小计”）", "Row 6 is a total row"), ("第 8 行是合计行（“全省小计”）", "Row 8 is a total row")),
    ),
    "amounts in 元 and experts in 万人次 by their headers": Loads(
        amounts_in_yuan, ("xlsx", "xls", "ods", "csv"),
        cells(**{f"{HZ}_2025": {"contract_value_10k_cny": Decimal("161234.57"), "experts_participating": 12000}}),
        (("“协议金额（元）”的数值按表头“协议金额（元）”的单位“元”读取，已换算为万元（÷ 10,000）", "were read in '元'"),
         ("已四舍五入到 0.01 万元（如第 2 行“1,612,345,678”存为 161,234.57）", "rounded to 0.01 10k CNY"),
         ("已换算为人次（× 10,000）", "converted to participations (× 10,000)")),
    ),
    "a unit line 单位：亿元 above the header": Loads(
        unit_line, ("xlsx", "xls", "ods", "csv"), cells(**{f"{HZ}_2025": {"contract_value_10k_cny": Decimal("161200.00")}}),
        (("按第 2 行“单位：亿元”的单位“亿元”读取，已换算为万元（× 10,000）", "as row 2 '单位：亿元' states"),),
    ),
    "金额单位：元 on a line with the date": Loads(
        unit_line_listing, ("xlsx", "csv"),
        cells(**{f"{HZ}_2025": {"contract_value_10k_cny": Decimal("16123.45"), "agreements": 314}}),
        (("的单位“元”读取", "were read in '元'"),),
    ),
    "a unit row （千元） under the header": Loads(
        unit_row, ("xlsx", "csv"),
        cells(**{f"{HZ}_2025": {"activities": 37, "contract_value_10k_cny": Decimal("161234.50")}}),
        (("按第 2 行（单位行）“（千元）”的单位“千元”读取", "row 2 (the unit row)"),),
    ),
    "a hidden row is read, and said to be hidden": Loads(
        hidden_row, ("xlsx", "xls", "ods"),
        cells(**{f"{HZ}_2025": {"activities": 37, "experts_participating": 120, "agreements": 314},
                 f"{WH}_2025": {"activities": 40, "experts_participating": 130, "agreements": 200}}),
        (("第 3 行在表格中是隐藏的，其数据同样被读取", "Row(s) 3 are hidden in the workbook"),),
    ),
    "a unit row 单位：元": Loads(
        unit_row_labelled, ("xlsx", "csv"), cells(**{f"{HZ}_2025": {"contract_value_10k_cny": Decimal("161234.50")}}),
        (("按第 2 行（单位行）“单位：元”的单位“元”读取", "row 2 (the unit row)"),),
    ),
    "a yearbook named by its sheet, its unit in its title": Loads(
        yearbook_title_unit, ("xlsx",),
        cells(**{f"{HZ}_2024": {"contract_value_10k_cny": Decimal("153700.00")}, f"{HZ}_2025": {"contract_value_10k_cny": Decimal("161200.00")}}),
        (("按第 1 行“表5 各试点城市协议金额（元）”的单位“元”读取", "were read in '元'"),), sheet="协议金额",
    ),
    "a title stating the unit above a long table": Loads(
        title_unit_long, ("xlsx", "csv"), cells(**{f"{HZ}_2025": {"contract_value_10k_cny": Decimal("161234.50")}}),
        (("按第 1 行“2025年各试点城市协议金额（元）”的单位“元”读取", "were read in '元'"),),
    ),
    "a short data row between two tables is data, not a title": Loads(
        short_rows_between_tables, ("xlsx", "csv"),
        cells(**{f"{HZ}_2024": {"activities": 30}, f"{WH}_2024": {"activities": 35}, f"{HZ}_2025": {"activities": 37},
                 f"{WH}_2025": {"activities": 40}}),
        (("“35场”按 35 场 读取", "'35场' read as 35 activities"),),
    ),
    "a 其中 row naming no pilot says which pilot it is closest to": Loads(
        of_which_misspelt, ("xlsx",), cells(**{"430100_2025": {"activities": 5, "experts_participating": 6, "agreements": 7}}),
        (("第 3 行“其中：株州市”是分项，不是试点，未读取。未知城市“株州市”。最接近的是：株洲市", "Row 3 '其中：株州市' is a part of a row"),),
    ),
    "rows of a year other than the title's are loaded, with a warning": Loads(
        title_year_other_than_rows, ("xlsx", "csv"),
        cells(**{f"{HZ}_2024": {"activities": 30, "experts_participating": 100, "agreements": 300}}),
        (("第 1 行“2025年试点城市数据汇总表”写的是 2025 年，但第 3 行的年份不是 2025", "says 2025, but the year in row(s) 3"),),
    ),
    "a document number in the title states no year": Loads(
        document_number_in_the_title, ("xlsx",), cells(**{f"{HZ}_2025": {"activities": 37}}),
        (("年份按第 1 行“科协发〔2024〕12号附件：2025年试点城市数据”读取（2025 年）", "the year is 2025"),),
    ),
}  # fmt: skip


REFUSED = {
    "a unit line and a header unit that disagree": Refused(
        units_disagree, ("xlsx", "csv"), "Sheet1", 2, "协议金额（元）",
        ("单位不一致：表头“协议金额（元）”写的是“元”，第 1 行“单位：亿元”写的是“亿元”", "The units disagree: the header"),
    ),
    "a unit the indicator cannot take": Refused(
        unit_not_taken, ("xlsx", "csv"), "Sheet1", 1, "协议金额（人）",
        ("单位“人”不是该指标可用的单位", "The unit '人' in the header"),
    ),
    "万 alone on a unit line for amounts": Refused(
        ambiguous_unit, ("xlsx",), "Sheet1", 2, "协议金额",
        ("的单位“万”含义不明", "The unit '万' in row 1 '单位：万' is ambiguous"),
    ),
    "a hidden draft column under the same header": Refused(
        hidden_draft, ("xlsx", "xls", "ods"), "Sheet1", 1, "签订合作协议（项）",
        ("第 C 列“签订合作协议（项）”与第 D 列“签订合作协议（项）”是同一列，只能保留一列。其中第 D 列是隐藏列",
         "Column C '签订合作协议（项）' and column D '签订合作协议（项）' are the same column; keep one. Column D is hidden"),
    ),
    "a title and a sheet name stating different years": Refused(
        two_years_stated, ("xlsx",), "2024", 1, None,
        ("年份读法不一：第 1 行“2025年试点城市数据汇总表”写的是 2025，工作表名“2024”写的是 2024",
                                              "The year could be read two ways"), read="2024",
    ),
    "a 填报单位 line and a sheet name naming different pilots": Refused(
        two_pilots_stated, ("xlsx",), "杭州市", 1, None,
        ("试点读法不一：第 1 行“填报单位：武汉市科学技术协会”写的是 武汉市，工作表名“杭州市”写的是 杭州市",
                                               "The pilot could be read two ways"), read="杭州市",
    ),
    "a yearbook of a cumulative total": Refused(
        cumulative_yearbook, ("xlsx", "csv"), "Sheet1", 1, None,
        ("由系统根据年度数据计算，不能导入", "which is computed from the yearly figures"),
    ),
    "an unknown indicator row with a value": Refused(
        unknown_row, ("xlsx", "csv"), "Sheet1", 4, "指标名称",
        ("无法识别的指标“举办培训班”", "Unknown indicator '举办培训班'"),
    ),
    "a statistical return that names no pilot": Refused(
        return_without_pilot, ("xlsx", "csv"), "Sheet1", 2, None,
        ("竖排报表没有写明是哪个试点", "The form does not say which pilot"),
    ),
    "a value merged over two years": Refused(
        value_merged_over_years, ("xlsx", "xls"), "Sheet1", 2, "签订合作协议（项）",
        ("单元格 E2:E3 是合并单元格", "The cells E2:E3 are merged"),
    ),
    "a second table with other columns on the sheet": Refused(
        second_header_other_columns, ("xlsx", "csv"), "Sheet1", 4, None,
        ("第 4 行又是一个表头，但列与第 1 行的表头不同", "Row 4 is another header"),
    ),
    "brackets that are not a unit (累计)": Refused(
        note_in_brackets, ("xlsx", "csv"), "Sheet1", 1, "对接活动（累计）",
        ("表头“对接活动（累计）”括号中的“累计”不是该列可用的单位", "has '累计' in brackets"),
    ),
    "a yearbook whose sheet and title state different units": Refused(
        yearbook_units_disagree, ("xlsx",), "协议金额（亿元）", 2, None,
        ("单位不一致", "The units disagree"), read="协议金额（亿元）",
    ),
    "two tables on a sheet in different units": Refused(
        two_tables_two_units, ("xlsx", "csv"), "Sheet1", 6, None,
        ("第 6 行又是一个表头，但列与第 2 行的表头不同", "Row 6 is another header"),
    ),
    "a yearbook with an indicator column": Refused(
        yearbook_with_indicator_column, ("xlsx",), "对接活动", 1, "指标",
        ("“指标”列在这种表中无法读取", "The column '指标' cannot be read"), read="对接活动",
    ),
    "a yearbook whose title names an indicator inside other words": Refused(
        yearbook_named_inside_words, ("xlsx", "csv"), "Sheet1", 2, None,
        ("但工作表名和标题都没有写明是哪个指标", "neither the sheet's name nor the title says which"),
    ),
    "a return whose title starts with a province": Refused(
        return_titled_by_province, ("xlsx",), "Sheet1", 2, None,
        ("竖排报表没有写明是哪个试点", "The form does not say which pilot"),
    ),
    "a return with two columns for one year": Refused(
        return_with_two_columns_for_a_year, ("xlsx",), "Sheet1", 2, None,
        ("“本年（2025年）”列与“2025年”列都是 2025 年的数", "both hold 2025's figures"),
    ),
    "figures for half a year": Refused(
        half_year, ("xlsx", "csv"), "Sheet1", 1, None,
        ("表明这是部分年度的数据（“上半年”）", "figures for part of a year ('上半年')"),
    ),
    "a value merged over two years of a yearbook": Refused(
        yearbook_merged_value, ("xlsx", "xls"), "签订合作协议", 2, "2024",
        ("单元格 B2:C2 是合并单元格", "The cells B2:C2 are merged"), read="签订合作协议",
    ),
    "a 其中 row naming two pilots at once": Refused(
        of_which_ambiguous, ("xlsx",), "Sheet1", 3, "城市",
        ("可指多个城市", "could be any of"),
    ),
    "an amount that would round to zero once converted": Refused(
        too_small_once_converted, ("xlsx", "csv"), "Sheet1", 2, "协议金额（元）",
        ("换算后不足 0.01 万元", "less than 0.01 10k CNY"),
    ),
    "a cell with a unit its column cannot take": Refused(
        unit_the_column_cannot_take, ("xlsx", "csv"), "Sheet1", 2, "参与专家（人次）",
        ("“120次”的单位“次”与该列（人次）不符", "'120次' has the unit '次'"),
    ),
    "several years in the title of a table without a year column": Refused(
        several_years_in_the_title, ("xlsx",), "Sheet1", 1, None,
        ("写了多个年份（2021、2025）", "states several years (2021、2025)"),
    ),
    "a city twice in a yearbook, said on its own row": Refused(
        yearbook_city_twice, ("xlsx",), "签订合作协议", 4, "城市",
        ("杭州市 2024 年在第 2 行已出现", "杭州市 2024 already appears in row 2"), read="签订合作协议",
    ),
}  # fmt: skip


LOAD_CASES = [(what, fmt) for what, case in LOADS.items() for fmt in case.formats]
REFUSED_CASES = [(what, fmt) for what, case in REFUSED.items() for fmt in case.formats]


def _file(layout: Callable[[], list[Sheet]], fmt: str, sheet: str | None) -> bytes:
    sheets = layout()
    if fmt == "csv" and len(sheets) > 1:
        sheets = [s for s in sheets if s.name == sheet]
    return WRITERS[fmt](sheets)


def _told(report) -> tuple[list[str], list[str]]:
    return ([n.zh for n in report.read] + [i.message.zh for i in report.issues],
            [n.en for n in report.read] + [i.message.en for i in report.issues])  # fmt: skip


@pytest.mark.parametrize(("what", "fmt"), LOAD_CASES, ids=[_name(*c) for c in LOAD_CASES])
def test_returns_load_exactly_what_they_state(sample_db, what, fmt):
    case = LOADS[what]
    sheet = case.sheet if fmt != "csv" else None
    report = uploads.prepare(sample_db, _file(case.layout, fmt, case.sheet), f"return.{fmt}", sheet).report
    assert report.ok, [i.as_dict("en") for i in report.issues]
    assert values_of(report.parsed()) == case.values
    zh_told, en_told = _told(report)
    for zh, en in case.said:
        assert any(zh in t for t in zh_told), (zh, zh_told)
        assert any(en in t for t in en_told), (en, en_told)


@pytest.mark.parametrize(("what", "fmt"), REFUSED_CASES, ids=[_name(*c) for c in REFUSED_CASES])
def test_returns_that_could_be_read_wrong_are_refused_saying_where(sample_db, what, fmt):
    case = REFUSED[what]
    report = uploads.prepare(sample_db, _file(case.layout, fmt, case.read), f"return.{fmt}", case.read).report
    assert not report.ok
    zh, en = case.said
    found = [i for i in report.issues if i.level == "error" and zh in i.message.zh and en in i.message.en]
    assert found, [i.as_dict("zh") for i in report.issues]
    assert (found[0].row, found[0].column) == (case.row, case.column)
    assert found[0].sheet == (case.sheet if fmt != "csv" else None)


@pytest.mark.parametrize("what", list(LOADS))
def test_the_cli_stores_the_same_values(sample_path, tmp_path, capsys, what):
    case = LOADS[what]
    fmt = case.formats[0]
    path = tmp_path / f"return.{fmt}"
    path.write_bytes(_file(case.layout, fmt, case.sheet))
    sheet = ["--sheet", case.sheet] if case.sheet else []
    assert main(["import", str(path), "--db", str(sample_path), "--json", "--lang", "zh", *sheet]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["upload_id"], result
    for zh, _ in case.said:  # the CLI says what the preview says
        assert any(zh in t for t in result["read"] + [w["message"] for w in result["warnings"]]), (zh, result)
    with open_database(sample_path).cursor() as cur:
        for (code, year), values in case.values.items():
            for column, value in values.items():
                table = registry.base(column).table
                stored = cur.execute(f"SELECT {column} FROM {table} WHERE city_code = ? AND year = ?", [code, year])
                assert stored.fetchone()[0] == value, (code, year, column)


def test_a_reshaped_returns_preview_names_the_sheets_rows(sample_db):
    prepared = uploads.prepare(sample_db, WRITERS["xlsx"](statistical_return()), "return.xlsx")
    preview = upload_tables.changes_table(prepared, {}, "zh")
    rows = dict(zip(preview["指标"], preview["行"], strict=True))
    assert rows["对接活动（场）"] == 5 and rows["参与专家（人次）"] == 6 and rows["协议金额（万元）"] == 8


TARGET_UNITS = [  # (target header, indicator cells, targets) -> the stored targets, or the error's words
    ("目标值（元）", ["协议金额"], ["1,612,345,000"], [Decimal("161234.50")]),
    ("目标值", ["协议金额（亿元）", "对接活动（场）"], ["16.2", "40"], [Decimal("162000.00"), 40]),
    ("目标值（元）", ["协议金额", "对接活动"], ["1,612,345,000", "40"], "单位“元”不是该指标可用的单位（应为场"),
    ("目标值", ["协议金额（人）"], ["5"], "单位“人”不是该指标可用的单位"),
]


@pytest.mark.parametrize(("header", "indicators", "targets", "expected"), TARGET_UNITS)
def test_targets_are_read_in_the_unit_their_file_states(sample_db, header, indicators, targets, expected):
    rows = [["杭州市", 2026, i, t] for i, t in zip(indicators, targets, strict=True)]
    report = uploads.prepare(sample_db, WRITERS["csv"]([Sheet("Sheet1", [["城市", "年份", "指标", header], *rows])]),
                             "targets.csv").report  # fmt: skip
    assert report.kind == "targets"
    if isinstance(expected, str):
        assert not report.ok and any(expected in i.message.zh for i in report.issues), report.issues
        return
    assert report.ok, report.issues
    assert list(report.parsed()["target"]) == expected
    assert any("已换算为万元" in i.message.zh for i in report.issues if i.level == "warning")


# --- a generated check: totals, hidden drafts and 上年 columns never reach the database --------------------------

PILOTS = [("330100", "杭州市", "浙江省"), ("330200", "宁波市", "浙江省"), ("420100", "武汉市", "湖北省"),
          ("420600", "襄阳市", "湖北省"), ("440100", "广州市", "广东省")]  # fmt: skip
SEEDS = range(24)


def _generated(seed: int) -> tuple[list[Sheet], dict, bool]:
    """A random sheet: a long table with total rows in random places (or a statistical return with 上年 values),
    perhaps a hidden draft column; (sheets, the values the file states, whether it must be refused)."""
    rng = random.Random(seed)
    if rng.random() < 0.3:  # a statistical return: the 上年 column holds other values, never loaded
        code, name, _ = rng.choice(PILOTS)
        values = {"activities": rng.randint(10, 99), "agreements": rng.randint(100, 999)}
        rows = [[f"{name}科协2025年度统计报表"], [f"填报单位：{name}科学技术协会"],
                ["指标名称", "计量单位", "本年（2025年）", "上年"],
                ["对接活动", "场", values["activities"], values["activities"] + 1000],
                ["签订合作协议", "项", values["agreements"], values["agreements"] + 1000]]  # fmt: skip
        return [Sheet("Sheet1", rows)], {(code, 2025): values}, False
    pilots = rng.sample(PILOTS, 3)
    expected: dict = {}
    rows: list[list] = []
    for code, name, province in pilots:
        values = {"activities": rng.randint(10, 99), "agreements": rng.randint(100, 999)}
        expected[(code, 2025)] = values
        rows.append([name, 2025, values["activities"], values["agreements"]])
        if rng.random() < 0.4:
            rows.insert(
                rng.randint(0, len(rows)), [f"{province}{rng.choice(['合计', '小计', '总计'])}", 2025, 9999, 9999]
            )
    if rng.random() < 0.5:
        rows.append([rng.choice(["合计", "总计", "全省合计", "Total"]), "", 8888, 8888])
    header = ["城市", "年份", "对接活动（场）", "签订合作协议（项）"]
    draft = rng.random() < 0.25
    if draft:  # an outdated draft of a column, hidden beside it
        header.append("签订合作协议（项）")
        rows = [[*r, 7777] for r in rows]
    return [Sheet("Sheet1", [header, *rows], hidden_columns={4} if draft else set())], expected, draft


def _every_cell(cur) -> dict:
    """Every stored value of the yearly tables: (column, city, year) -> value."""
    cells = {}
    for ind in registry.BASE_INDICATORS:
        for code, year, value in cur.execute(f"SELECT city_code, year, {ind.column} FROM {ind.table}").fetchall():
            cells[(ind.column, code, year)] = value
    return cells


@pytest.mark.parametrize("seed", SEEDS)
def test_no_total_row_hidden_draft_or_last_years_column_reaches_the_database(sample_path, tmp_path, capsys, seed):
    sheets, expected, refused = _generated(seed)
    path = tmp_path / "generated.xlsx"
    path.write_bytes(WRITERS["xlsx"](sheets))
    with open_database(sample_path).cursor() as cur:
        before = _every_cell(cur)
    status = main(["import", str(path), "--db", str(sample_path), "--json"])
    capsys.readouterr()
    assert status == (1 if refused else 0)
    with open_database(sample_path).cursor() as cur:
        after = _every_cell(cur)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    stated = {(column, code, year): v for (code, year), values in expected.items() for column, v in values.items()}
    assert changed == ({} if refused else {k: v for k, v in stated.items() if before.get(k) != v})
    if not refused:
        assert {k: after[k] for k in stated} == stated
