"""Returns as pilots and provinces send them, each a layout of sheets (tests/test_officer_returns.py loads each in
every format): titles, merged headers, unit rows and lines, yearbooks, totals, and what a second reader tried."""

from __future__ import annotations

from workbooks import Sheet

H = ["城市", "年份", "对接活动（场）", "参与专家（人次）", "签订合作协议（项）"]


def statistical_return() -> list[Sheet]:
    return [Sheet("Sheet1", [
        ["杭州市科协创新驱动助力工程2025年度统计报表"],
        ["填报单位：杭州市科学技术协会", "", "", "填报日期：2026-01-15"],
        ["指标名称", "计量单位", "本年（2025年）", "上年"],
        ["一、学术交流"],
        ["1. 对接活动", "场", 37, 30],
        ["其中：参与专家", "人次", 120, 100],
        ["2. 签订合作协议", "项", 314, 300],
        ["协议金额", "元", 1612345000, 1500000000],
        ["填表人：张三", "", "联系电话：0571-88888888"],
    ])]  # fmt: skip


def return_year_in_title() -> list[Sheet]:
    """本年 without a year in the column; the title's 2025年度 says it, and the sheet is named for the pilot."""
    return [Sheet("武汉市", [
        ["2025年度创新驱动助力工程统计报表"],
        ["指标名称", "计量单位", "本年", "上年", "增减（%）"],
        ["对接活动", "场", 40, 35, "14.3"],
        ["参与专家", "万人次", "0.013", "0.012", "8.3"],
    ])]  # fmt: skip


def numbering_row() -> list[Sheet]:
    return [Sheet("Sheet1", [H, ["甲", "乙", "1", "2", "3"], ["杭州市", 2025, 37, 120, 314]])]


def year_in_title() -> list[Sheet]:
    return [Sheet("Sheet1", [
        ["2025年试点城市数据汇总表"],
        ["填报日期：2026年1月15日"],
        ["城市", "对接活动（场）", "签订合作协议（项）"],
        ["杭州市", 37, 314],
        ["武汉市", 40, 200],
    ])]  # fmt: skip


def merged_city() -> list[Sheet]:
    rows = [H, ["杭州市", 2024, 30, 100, 300], ["", 2025, 37, 120, 314]]
    return [Sheet("Sheet1", rows, merges=[(1, 2, 0, 0)])]


def not_applicable() -> list[Sheet]:
    return [Sheet("Sheet1", [H, ["杭州市", 2025, "——", "不适用", "／"], ["武汉市", 2025, "－", 130, 200]])]


def sheet_per_city() -> list[Sheet]:
    return [
        Sheet("杭州市", [["年份", "对接活动（场）", "签订合作协议（项）"], [2024, 30, 300], [2025, 37, 314]]),
        Sheet("武汉", [["年份", "对接活动（场）", "签订合作协议（项）"], [2025, 40, 200]]),
    ]


def yearbook() -> list[Sheet]:
    return [
        Sheet("签订合作协议", [
            ["表3 各试点城市签订合作协议数（项）（2021—2025年）"],
            ["城市", "2021", "2022", "2023", "2024", "2025"],
            ["杭州市", 201, 202, 203, 204, 314],
            ["武汉市", 101, 102, 103, 104, 200],
            ["合计", 302, 304, 306, 308, 514],
        ]),
        Sheet("协议金额（亿元）", [
            ["城市", "2024年", "2025年"],
            ["杭州市", "15.37", "16.12"],
            ["武汉市", "8", "8.5"],
        ]),
    ]  # fmt: skip


def side_by_side() -> list[Sheet]:
    return [Sheet("Sheet1", [
        ["城市", "2024年", "", "2025年", ""],
        ["", "对接活动（场）", "签订合作协议（项）", "对接活动（场）", "签订合作协议（项）"],
        ["杭州市", 30, 300, 37, 314],
        ["武汉市", 35, 190, 40, 200],
    ], merges=[(0, 1, 0, 0), (0, 0, 1, 2), (0, 0, 3, 4)])]  # fmt: skip


def two_tables() -> list[Sheet]:
    return [Sheet("Sheet1", [
        ["2024年试点城市数据"],
        ["城市", "对接活动（场）"],
        ["杭州市", 30],
        ["武汉市", 35],
        [],
        ["2025年试点城市数据"],
        ["城市", "对接活动（场）"],
        ["杭州市", 37],
        ["武汉市", 40],
    ])]  # fmt: skip


def provincial_return() -> list[Sheet]:
    return [Sheet("Sheet1", [
        H,
        ["湖北省合计", 2025, 50, 150, 230],
        ["武汉市", 2025, 40, 130, 200],
        ["其中：东湖高新区", 2025, 10, 20, 30],
        ["其中：光谷生物城", 2025, 4, 5, 6],
        ["浙江省小计", 2025, 37, 120, 314],
        ["杭州市", 2025, 37, 120, 314],
        ["全省小计", 2025, 37, 120, 314],
    ])]  # fmt: skip


def amounts_in_yuan() -> list[Sheet]:
    return [
        Sheet(
            "Sheet1", [["城市", "年份", "协议金额（元）", "参与专家（万人次）"], ["杭州市", 2025, "1,612,345,678", 1.2]]
        )
    ]


def unit_line() -> list[Sheet]:
    return [Sheet("Sheet1", [["2025年汇总表"], ["单位：亿元"], ["城市", "年份", "协议金额"], ["杭州市", 2025, 16.12]])]


def unit_line_listing() -> list[Sheet]:
    rows = [
        ["金额单位：元  填报日期：2026-01-15"],
        ["城市", "年份", "协议金额", "签订合作协议"],
        ["杭州市", 2025, 161234500, 314],
    ]
    return [Sheet("Sheet1", rows)]


def unit_row() -> list[Sheet]:
    return [
        Sheet(
            "Sheet1",
            [["城市", "年份", "对接活动", "协议金额"], ["", "", "（场）", "（千元）"], ["杭州市", 2025, 37, 1612345]],
        )
    ]


def hidden_row() -> list[Sheet]:
    return [Sheet("Sheet1", [H, ["杭州市", 2025, 37, 120, 314], ["武汉市", 2025, 40, 130, 200]], hidden_rows={2})]


def units_disagree() -> list[Sheet]:
    return [Sheet("Sheet1", [["单位：亿元"], ["城市", "年份", "协议金额（元）"], ["杭州市", 2025, 16.12]])]


def unit_not_taken() -> list[Sheet]:
    return [Sheet("Sheet1", [["城市", "年份", "协议金额（人）"], ["杭州市", 2025, 16.12]])]


def ambiguous_unit() -> list[Sheet]:
    return [Sheet("Sheet1", [["单位：万"], ["城市", "年份", "协议金额"], ["杭州市", 2025, 16.12]])]


def hidden_draft() -> list[Sheet]:
    header = ["城市", "年份", "签订合作协议（项）", "签订合作协议（项）"]
    return [Sheet("Sheet1", [header, ["杭州市", 2025, 314, 290]], hidden_columns={3})]


def two_years_stated() -> list[Sheet]:
    return [Sheet("2024", [["2025年试点城市数据汇总表"], ["城市", "对接活动（场）"], ["杭州市", 37]])]


def two_pilots_stated() -> list[Sheet]:
    rows = [["填报单位：武汉市科学技术协会"], ["指标名称", "计量单位", "本年（2025年）"], ["对接活动", "场", 37]]
    return [Sheet("杭州市", rows)]


def cumulative_yearbook() -> list[Sheet]:
    return [Sheet("Sheet1", [["各试点城市累计签订合作协议（项）"], ["城市", "2024", "2025"], ["杭州市", 900, 1214]])]


def unknown_row() -> list[Sheet]:
    rows = [["填报单位：杭州市科学技术协会"], ["指标名称", "本年（2025年）"], ["对接活动", 37], ["举办培训班", 12]]
    return [Sheet("Sheet1", rows)]


def return_without_pilot() -> list[Sheet]:
    return [Sheet("Sheet1", [["2025年度统计报表"], ["指标名称", "本年"], ["对接活动", 37]])]


def value_merged_over_years() -> list[Sheet]:
    rows = [H, ["杭州市", 2024, 30, 100, 300], ["杭州市", 2025, 37, 120, ""]]
    return [Sheet("Sheet1", rows, merges=[(1, 2, 4, 4)])]


def second_header_other_columns() -> list[Sheet]:
    return [Sheet("Sheet1", [
        ["城市", "年份", "对接活动（场）"], ["杭州市", 2024, 30], [], ["城市", "年份", "签订合作协议（项）"], ["杭州市", 2025, 314],
    ])]  # fmt: skip


# --- what a second reader tried: each of these once loaded a value other than the file's, or crashed


def note_in_brackets() -> list[Sheet]:
    return [Sheet("Sheet1", [["城市", "年份", "对接活动（累计）"], ["杭州市", 2025, 400]])]


def unit_row_labelled() -> list[Sheet]:
    return [Sheet("Sheet1", [["城市", "年份", "协议金额"], ["", "", "单位：元"], ["杭州市", 2025, 1612345000]])]


def yearbook_title_unit() -> list[Sheet]:
    rows = [["表5 各试点城市协议金额（元）"], ["城市", "2024", "2025"], ["杭州市", 1537000000, 1612000000]]
    return [Sheet("协议金额", rows)]


def yearbook_units_disagree() -> list[Sheet]:
    rows = [["各试点城市协议金额（万元）"], ["城市", "2024", "2025"], ["杭州市", 15.37, 16.12]]
    return [Sheet("协议金额（亿元）", rows)]


def title_unit_long() -> list[Sheet]:
    return [Sheet("Sheet1", [["2025年各试点城市协议金额（元）"], ["城市", "协议金额"], ["杭州市", 1612345000]])]


def two_tables_two_units() -> list[Sheet]:
    return [Sheet("Sheet1", [
        ["2024年"], ["城市", "协议金额（万元）"], ["杭州市", 153700], [], ["2025年"], ["城市", "协议金额（元）"], ["杭州市", 1612345000],
    ])]  # fmt: skip


def yearbook_with_indicator_column() -> list[Sheet]:
    rows = [["城市", "指标", "2024", "2025"], ["杭州市", "签订合作协议", 300, 314], ["武汉市", "对接活动", 35, 40]]
    return [Sheet("对接活动", rows)]


def yearbook_named_inside_words() -> list[Sheet]:
    return [Sheet("Sheet1", [["参与对接活动的专家人次"], ["城市", "2024", "2025"], ["杭州市", 300, 314]])]


def return_titled_by_province() -> list[Sheet]:
    rows = [["吉林省2025年度统计报表"], ["指标名称", "本年"], ["对接活动", 37]]
    return [Sheet("Sheet1", rows)]


def return_with_two_columns_for_a_year() -> list[Sheet]:
    rows = [["填报单位：杭州市科学技术协会"], ["指标名称", "本年（2025年）", "2025年"], ["对接活动", 37, 38]]
    return [Sheet("Sheet1", rows)]


def half_year() -> list[Sheet]:
    return [Sheet("Sheet1", [["2025年上半年试点城市数据"], H, ["杭州市", 2025, 37, 120, 314]])]


def short_rows_between_tables() -> list[Sheet]:
    return [Sheet("Sheet1", [
        ["2024年试点城市数据"], ["城市", "对接活动（场）"], ["杭州市", 30], ["武汉市", "35场"], [],
        ["2025年试点城市数据"], ["城市", "对接活动（场）"], ["杭州市", 37], ["武汉市", 40],
    ])]  # fmt: skip


def yearbook_merged_value() -> list[Sheet]:
    rows = [["城市", "2024", "2025"], ["杭州市", 300, ""], ["武汉市", 200, 210]]
    return [Sheet("签订合作协议", rows, merges=[(1, 1, 1, 2)])]


def of_which_ambiguous() -> list[Sheet]:
    return [Sheet("Sheet1", [H, ["陕西省合计", 2025, 1, 2, 3], ["其中：西安（高新区）", 2025, 1, 2, 3]])]


def of_which_misspelt() -> list[Sheet]:
    return [
        Sheet("Sheet1", [H, ["湖南省合计", 2025, 1, 2, 3], ["其中：株州市", 2025, 1, 2, 3], ["长沙市", 2025, 5, 6, 7]])
    ]


def title_year_other_than_rows() -> list[Sheet]:
    return [Sheet("Sheet1", [["2025年试点城市数据汇总表"], H, ["杭州市", 2024, 30, 100, 300]])]


def too_small_once_converted() -> list[Sheet]:
    return [Sheet("Sheet1", [["城市", "年份", "协议金额（元）"], ["杭州市", 2025, 49]])]


def unit_the_column_cannot_take() -> list[Sheet]:
    return [Sheet("Sheet1", [H, ["杭州市", 2025, 37, "120次", 314]])]


def several_years_in_the_title() -> list[Sheet]:
    return [Sheet("Sheet1", [["2021—2025年试点城市数据"], ["城市", "对接活动（场）"], ["杭州市", 37]])]


def document_number_in_the_title() -> list[Sheet]:
    return [
        Sheet("Sheet1", [["科协发〔2024〕12号附件：2025年试点城市数据"], ["城市", "对接活动（场）"], ["杭州市", 37]])
    ]


def yearbook_city_twice() -> list[Sheet]:
    return [
        Sheet(
            "签订合作协议", [["城市", "2024", "2025"], ["杭州市", 300, 314], ["武汉市", 190, 200], ["杭州市", 301, 315]]
        )
    ]
