"""The checks every upload kind shares: headers compared as officers write them, columns present once, rows no wider
than the header, and cells read as cities' years and numbers, column by column."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..domain.cells import looks_like_formula
from ..domain.i18n import Text
from ..domain.programme import MIN_YEAR
from ..domain.registry import BaseIndicator
from . import units
from .report import Issue, Report
from .table import Table, column_letter
from .units import ColumnUnit, converted

CENT = Decimal("0.01")
MAX_VALUE = Decimal(10) ** 12  # no pilot reports a trillion of anything; such a figure is a typo
MAX_COUNT = 2**31 - 1  # counts are stored as 32-bit integers
NUMBER = re.compile(r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")  # commas only as thousands separators
# What a spreadsheet shows in a cell whose formula failed; the readers give such a cell as this text, in every format.
ERROR_VALUES = {"#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}  # fmt: skip
NOT_REPORTED = {"", "-", "--", "—", "——", "–", "n/a", "n.a.", "na", "无", "暂无", "不适用", "/"}
IGNORED_HEADERS = {"序号", "no", "no.", "备注", "notes", "note", "remarks"}
# What a total row's city (or 序号) cell says, as normalise gives it: such a row is never read as a city.
TOTAL_WORDS = {"合计", "总计", "小计", "共计", "总合计", "全市", "全省", "全国", "汇总", "总数", "合计数", "全部",
               "全部试点", "total", "totals", "subtotal", "grandtotal", "sum", "all"}  # fmt: skip


_REFERENCE = re.compile(r"\((?:[^()]*\b)?(参考|reference|for reference)(?:\b[^()]*)?\)\s*$")


def is_reference(header: str) -> bool:
    """Whether a header marks a column as for reference only, never read (a form's last-year figures:
    "2025 年对接活动（参考）", "Matching activities, 2025 (reference)")."""
    return bool(_REFERENCE.search(unicodedata.normalize("NFKC", header).lower()))


REFERENCES_SKIPPED = Text(
    "标为参考的 {n} 列未读取（如“{h}”）。", "{n} columns marked as reference were not read (such as '{h}')."
)


def header_columns(table: Table, report: Report, lookup: dict[str, str]) -> tuple[list[str | None], list[int]]:
    """What each header means by `lookup` (normalised header -> column), None for a reference, ignored or blank one;
    and the indexes of the headers it does not know (for the caller to say why). Notes the reference columns set
    aside in the report."""
    columns: list[str | None] = []
    unknown: list[int] = []
    for i, header in enumerate(table.header):
        key = normalise(header)
        if is_reference(header):
            columns.append(None)
        elif key in lookup:
            columns.append(lookup[key])
        elif key in IGNORED_HEADERS or blank_header(table, i, report):
            columns.append(None)
        else:
            unknown.append(i)
            columns.append(None)
    references = [h for h in table.header if is_reference(h)]
    if references:
        report.read.append(REFERENCES_SKIPPED.format(n=len(references), h=references[0]))
    return columns, unknown


_TOTAL_ENDING = re.compile(r"(合计|小计|总计|共计|汇总|合计数)$|^(sub)?total\b|\b(sub)?totals?$")


def is_total(cell: str) -> bool:
    """Whether a cell names a total row (合计, 总计, 小计, Total …, also after a place: 湖北省合计, 全省小计, Hubei
    total), whatever its spaces and punctuation."""
    key = normalise(cell).strip(":：.。")
    if key in TOTAL_WORDS:
        return True
    spaced = unicodedata.normalize("NFKC", cell).strip().lower()  # English words need their spaces
    return bool(_TOTAL_ENDING.search(key) or _TOTAL_ENDING.search(spaced))


def normalise(text: str) -> str:
    """A header or name as compared: NFKC (full width to half width), lower case, no spaces, no trailing unit."""
    text = without_invisible(unicodedata.normalize("NFKC", text)).strip().lower()
    if "(" in text:  # checked first: a city list builds thousands of these
        text = _TRAILING_UNIT.sub("", text)
    return "".join(text.split())  # str.split() splits at what the regex \s matches (str.isspace), but faster


def as_written(text: str) -> str:
    """A header or label as written, for telling two apart: NFKC, lower case, no spaces, its brackets kept."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


_TRAILING_UNIT = re.compile(r"\([^()]*\)\s*$")


_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def without_invisible(text: str) -> str:
    """The text without zero-width and direction characters (which no one means to type)."""
    return _INVISIBLE.sub("", text) if not text.isascii() else text


def shown(text: str) -> str:
    """The text with its invisible characters made visible, as 杭州市<U+200B>, for messages."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def clipped(text: str, limit: int = 40) -> str:
    """A cell as a message quotes it: at most `limit` characters, then how long it is ("1234…（1,000,000）")."""
    return text if len(text) <= limit else f"{text[:limit]}…（{len(text):,}）"


def blank_header(table: Table, index: int, report: Report) -> bool:
    """Whether a header cell is blank; one over values is an error naming the column by its letter (a blank column
    is passed over)."""
    if table.header[index].strip():
        return False
    if pc.any(pc.not_equal(table.column(index), "")).as_py():
        letter = column_letter(index)
        report.add(table.header_row, letter, "error", VALUES_WITHOUT_HEADER.format(c=letter))
    return True


VALUES_WITHOUT_HEADER = Text(
    "第 {c} 列有数据但没有表头；请填写表头或删除该列。",
    "Column {c} holds values but has no header; write its header or delete the column.",
)


def check_columns(table: Table, columns: list[str | None], needed: dict[str, Text], report: Report) -> None:
    """Every needed column present (needed: column -> how to name it), none twice."""
    for column, label in needed.items():
        if column not in columns:
            report.add(
                table.header_row, None, "error", Text("缺少“{c}”列。", "The '{c}' column is missing.").format(c=label)
            )
    duplicate_columns(table, columns, report)


HIDDEN_DRAFT = Text(
    "其中第 {c} 列是隐藏列（可能是旧稿），隐藏的列同样会被读取；请删除不要的一列。",
    " Column {c} is hidden (an old draft?), and hidden columns are read too: delete the one that is not wanted.",
)


def duplicate_columns(table: Table, columns: list[str | None], report: Report) -> None:
    """Two headers meaning the same column would let one silently win: an error naming both by letter, and which
    is hidden (an outdated draft kept out of sight is still read)."""
    for column in dict.fromkeys(c for c in columns if c):
        where = [i for i, c in enumerate(columns) if c == column]
        if len(where) > 1:
            first, last = where[0], where[-1]
            hidden = [i for i in (first, last) if i in table.hidden_columns]
            message = Text(
                "第 {a} 列“{h}”与第 {b} 列“{o}”是同一列，只能保留一列。",
                "Column {a} '{h}' and column {b} '{o}' are the same column; keep one.",
            ).format(a=column_letter(first), h=table.header[first], b=column_letter(last), o=table.header[last])
            if hidden:
                message = message.then(HIDDEN_DRAFT.format(c="、".join(column_letter(i) for i in hidden)))
            report.place(Issue(table.header_row, table.header[last], "error", message))  # it says which is hidden


def keyed_rows(
    report: Report, table: Table, columns: Sequence[str | None]
) -> Iterator[tuple[int, dict[str, str], dict[str, str]]]:
    """Each row that is not ragged, as (row number, cells by column key, header by column key); a short row's
    missing cells are blank."""
    headers = {c: table.header[i] for i, c in enumerate(columns) if c}
    ragged = ragged_rows(report, table)
    for number, cells, skip in zip(table.row_numbers.tolist(), table.rows, ragged, strict=True):
        if not skip:
            yield number, {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns) if c}, headers


def ragged_rows(report: Report, table: Table) -> np.ndarray:
    """Rows with more cells than the header (a value would land under the wrong column), reported as errors; a
    boolean mask over the rows."""
    header = table.header
    ragged = np.zeros(len(table), dtype=bool)
    for column in table.columns[len(header) :]:
        ragged |= pc.not_equal(column, "").to_numpy(zero_copy_only=False)
    if table.too_long:
        ragged |= np.isin(table.row_numbers, list(table.too_long))
    for i in np.flatnonzero(ragged):
        number = int(table.row_numbers[i])
        report.add(
            number,
            None,
            "error",
            Text(
                "这一行有 {n} 个单元格，但表头只有 {m} 列。",
                "This row has {n} cells but the header has only {m} columns.",
            ).format(n=table.too_long.get(number, len(table.columns)), m=len(header)),
        )
    return ragged


def each_distinct(
    table: Table, index: int, resolve: Callable[[str], tuple[object, Text | None, Text | None]], report: Report,
    bad: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """A column's cells resolved by `resolve(raw) -> (value, error, warning)`, called once per distinct cell.

    Rows whose cell is an error get it reported and are marked in `bad`; their value is None. A warning (a city
    read from a former name) is reported on each row it concerns.
    """
    cells = table.column(index)
    distinct = pc.unique(cells)
    resolved = [resolve(raw) for raw in distinct.to_pylist()]
    position = pc.index_in(cells, distinct).to_numpy()
    values = np.array([value for value, _, _ in resolved], dtype=object)[position]
    header = table.header[index]
    for k, (_, error, warning) in enumerate(resolved):
        if error is not None or warning is not None:
            for i in np.flatnonzero(position == k):
                if error is not None:
                    report.add(int(table.row_numbers[i]), header, "error", error)
                    bad[i] = True
                else:
                    report.add(int(table.row_numbers[i]), header, "warning", warning)  # type: ignore[arg-type]
    return values


_YEAR = re.compile(r"(\d{4})(?:\.0+)?\s*(?:年度?)?")  # 2025, 2025.0, 2025 年, 2025年度


def year_value(raw: str, last_year: int) -> tuple[int | None, Text | None]:
    """The year a cell holds, or the error saying why it holds none."""
    found = _YEAR.fullmatch(unicodedata.normalize("NFKC", raw).strip())
    text = found.group(1) if found else ""
    if not text or not MIN_YEAR <= int(text) <= last_year:
        return None, Text(
            "年份“{v}”无效：应为 {a} 至 {b} 之间的四位数年份。",
            "Year '{v}' is not valid: it must be a year from {a} to {b}.",
        ).format(v=clipped(raw), a=MIN_YEAR, b=last_year)
    return int(text), None


# The plain forms of a number, which Arrow parses directly; anything else goes through parse_number. The digit
# limits keep them within int64 and DECIMAL(18,2) before the range checks; a longer number takes the slow path,
# which says it is too large.
_PLAIN = {
    "INTEGER": (r"^(\d{1,3}(,\d{3}){1,4}|\d{1,13})$", pa.int64()),
    "DECIMAL(18,2)": (r"^(\d{1,3}(,\d{3}){1,4}|\d{1,16})(\.\d{1,2})?$", pa.decimal128(18, 2)),
}
_DIGITS = {"INTEGER": 13, "DECIMAL(18,2)": 16}  # the most digits each form takes without separators
_NOT_REPORTED = pa.array(sorted(NOT_REPORTED))


def numbers(table: Table, index: int, ind: BaseIndicator, report: Report, bad: np.ndarray,
            unit: ColumnUnit | None = None) -> pa.Array:  # fmt: skip
    """One value column parsed (written in `unit`, else in the stored unit): nulls where not reported (or in error,
    reported and marked in `bad`); a converted column's warning says how it was converted."""
    raw = table.column(index)
    text = raw
    if not pc.all(pc.string_is_ascii(raw)).as_py():  # NFKC (full-width digits) changes nothing in ASCII
        text = pa.array([unicodedata.normalize("NFKC", v).strip() for v in raw.to_pylist()], pa.string())
    pattern, arrow_type = _PLAIN[ind.sql_type]
    # Digits alone are plain (and never "not reported"); only the other cells are asked the regex, which is slow.
    # A column in another unit is converted cell by cell, in exact decimals.
    plain = pc.and_(pc.ascii_is_decimal(text), pc.less_equal(pc.utf8_length(text), _DIGITS[ind.sql_type]))
    convert = unit is not None and unit.factor != 1
    plain = plain.to_numpy(zero_copy_only=False).copy() & (not convert)
    missing = np.zeros(len(text), dtype=bool)
    rest = np.flatnonzero(~plain)
    if len(rest):
        others = text.take(pa.array(rest))
        missing[rest] = pc.is_in(pc.utf8_lower(others), _NOT_REPORTED).to_numpy(zero_copy_only=False)
        if not convert:
            plain[rest] = pc.match_substring_regex(others, pattern).to_numpy(zero_copy_only=False) & ~missing[rest]
    parsed = pc.cast(pc.replace_substring(pc.if_else(plain, text, None), ",", ""), arrow_type)
    limit = MAX_COUNT if ind.sql_type == "INTEGER" else MAX_VALUE
    in_range = pc.fill_null(pc.less(parsed, pa.scalar(limit, arrow_type)), False).to_numpy(zero_copy_only=False)
    values = pc.if_else(in_range, parsed, None)
    others = np.flatnonzero(~missing & ~in_range)
    rounded: list[tuple[int, str, Decimal]] = []
    if len(others):  # what parse_number makes of the rest: an error, or a value in another form ("12.0", "12.500")
        cells, numbers, header = raw.to_pylist(), table.row_numbers, table.header[index]
        patched = values.to_pylist()
        for i in others:
            before = report.errors
            patched[i] = parse_number(cells[i], ind, report, int(numbers[i]), header, unit, rounded)
            bad[i] |= report.errors > before
        values = pa.array(patched, arrow_type)
    if convert and unit is not None:
        report.add(table.header_row, table.header[index], "warning", converted(unit, ind, table.header[index], rounded))
    return values


def parse_number(raw: str, ind: BaseIndicator, report: Report, number: int, column: str,
                 unit: ColumnUnit | None = None, rounded: list | None = None) -> int | Decimal | None:  # fmt: skip
    """A reported value: None for 'not reported', an int for counts, a Decimal for amounts; errors to report, and
    a warning for a value read from a cell with its unit (37场, 15.37亿). A cell without a unit is in the column's
    `unit`; what conversion rounds is listed in `rounded` (row, cell, stored value)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.lower() in NOT_REPORTED:
        return None
    value, problem, scaled = _with_unit(text, ind, unit.factor if unit is not None else Decimal(1))
    if problem is not None:
        report.add(number, column, "error", problem.format(v=clipped(raw)))
        return None
    if scaled:
        report.add(
            number,
            column,
            "warning",
            Text("“{v}”按 {n} {u} 读取。", "'{v}' read as {n} {u}.").format(
                v=clipped(raw), n=f"{value:,}", u=Text(ind.unit_zh, ind.unit_en)
            ),
        )
    elif unit is not None and rounded is not None and value != Decimal(text.replace(",", "")) * unit.factor:
        rounded.append((number, clipped(raw), value))
    return value


def quiet_number(raw: str, ind: BaseIndicator, unit: ColumnUnit | None = None) -> int | Decimal | None:
    """The value a cell holds as parse_number reads it, None where it holds none (nothing reported, or not a
    number); what parse_number would say about it is not reported."""
    return parse_number(raw, ind, Report(), 0, "", unit)


_WITH_UNIT = re.compile(r"(?P<number>[\d,]+(\.\d+)?)\s*(?P<unit>[^\d\s,.]+)")


def _with_unit(text: str, ind: BaseIndicator, column: Decimal) -> tuple[int | Decimal | None, Text | None, bool]:
    """_number, also for a number followed by its own unit, which beats the column's (`column`: what the column's
    values are multiplied by): (value, problem, whether the cell's own unit was read)."""
    found = _WITH_UNIT.fullmatch(text)
    if found is None:
        return (*_number(text, ind, scale=column), False)
    unit = found.group("unit")
    if units.is_ambiguous(unit, ind):
        return (
            None,
            Text(
                "“{v}”含义不明：在以万元为单位的列中，应写作万元数（如 1.2 表示 1.2 万元）。",
                "'{v}' is ambiguous in a column of 10k CNY: write the amount in 10k CNY (1.2 for 1.2 万元).",
            ),
            False,
        )
    factor = units.factor(unit, ind)
    if factor is None:
        return (
            None,
            Text(
                "“{v}”的单位“{u}”与该列（{c}）不符；请只填写数值。",
                "'{v}' has the unit '{u}', which is not this column's ({c}); enter the number alone.",
            ).format(v="{v}", u=unit.replace("{", "{{").replace("}", "}}"), c=ind.unit_zh),  # the caller fills {v}
            False,
        )
    value, problem = _number(found.group("number"), ind, scale=factor)
    return value, problem, True


def _number(text: str, ind: BaseIndicator, scale: Decimal = Decimal(1)) -> tuple[int | Decimal | None, Text | None]:
    """The value a cell's text holds (times `scale`), or the message (with {v} for the cell as written) saying why
    it holds none."""
    if text.startswith("-") and NUMBER.fullmatch(text[1:]):
        return None, Text("数值不能为负：“{v}”。", "The value must not be negative: '{v}'.")
    if text.upper() in ERROR_VALUES:
        return None, Text(
            "单元格是错误值“{v}”（公式出错，如除以零或引用失效），不是数值；请改正公式或填写数值。",
            "The cell holds the error value '{v}' (a formula that failed, such as a division by zero or a broken "
            "reference), not a number; correct the formula or enter the value.",
        )
    if looks_like_formula(text):
        return None, Text(
            "“{v}”是公式或表达式，不是数值；请填写数值。", "'{v}' is a formula, not a number; enter the value."
        )
    if not NUMBER.fullmatch(text):
        if "," in text:
            return None, Text(
                "“{v}”不是数值（小数点请用“.”，千分位用“,”）。",
                "'{v}' is not a number (use '.' for decimals and ',' only between thousands).",
            )
        return None, Text("“{v}”不是数值。", "'{v}' is not a number.")
    digits = text.replace(",", "")
    if len(digits.split(".")[0].lstrip("0")) > 20:  # far past any limit: said so before arithmetic on it
        return None, Text("数值“{v}”大得不合理。", "The value '{v}' is implausibly large.")
    try:
        value = Decimal(digits) * scale
    except ArithmeticError:  # InvalidOperation, and Overflow from a number of a million digits
        return None, Text("“{v}”不是数值。", "'{v}' is not a number.")
    if value >= (MAX_COUNT if ind.sql_type == "INTEGER" else MAX_VALUE):
        return None, Text("数值“{v}”大得不合理。", "The value '{v}' is implausibly large.")
    if ind.sql_type == "INTEGER":
        if value != value.to_integral_value():
            return None, Text("“{v}”应为整数。", "'{v}' must be a whole number.")
        return int(value), None
    if value != value.quantize(CENT):
        if scale == 1:
            return None, Text("“{v}”最多保留两位小数。", "'{v}' has more than two decimal places.")
        if value.quantize(CENT, ROUND_HALF_UP) == 0:  # stored as 0, it would read as a reported zero
            return None, Text(
                "“{v}”换算后不足 0.01 万元（100 元），按万元保存会成为 0；请核对。",
                "'{v}' is less than 0.01 10k CNY (100 CNY) once converted, and would be stored as 0; check it.",
            )
        return value.quantize(CENT, ROUND_HALF_UP), None  # converted from a smaller unit: the warning says so
    return value.quantize(CENT), None
