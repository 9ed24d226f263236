"""Where the table is on a sheet, found rather than assumed: the header is the row (or pair of rows) among the first
rows whose cells are most recognisable as headers; title rows, 填报单位 lines and blank rows above it, a unit row
under it and footer lines (填表人, 联系电话, 备注 …) after the data are set aside and listed in the table's Layout.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa

from ..domain.i18n import Text
from .table import FileError, Layout, Table, header_of
from .units import as_unit

SEARCH_ROWS = 15  # the header is looked for this far down the sheet
_FOOTER = re.compile(
    r"^(填表人|填报人|制表人|制表|审核人|审核|负责人|单位负责人|联系人|联系电话|电话|手机|填报日期|填表日期|日期|"
    r"备注|注[:：\d]|说明|prepared by|contact|checked by|approved by|notes?\b|remarks?\b)",
    re.IGNORECASE,
)


def locate(table: Table, known: Callable[[str], bool]) -> Table:
    """The table with its header where it is on the sheet (`known`: whether one cell is a header some upload kind
    reads); unchanged when its first row is as good a header as any."""
    width = max(len(table.columns), len(table.header))
    rows = [_padded(table.header, width)] + [
        [str(c[i].as_py()) for c in table.columns] for i in range(min(SEARCH_ROWS - 1, len(table)))
    ]
    numbers = [table.header_row, *table.row_numbers[: len(rows) - 1].tolist()]
    filled = _filled_across(rows, numbers, table.merges)  # a merged group label stands over each of its columns
    singles = [_score(r, known) for r in filled]
    best, score = (0, 1), singles[0]
    for i in range(len(rows)):
        # Of two rows equally recognisable, the lower is the header (years over their indicators: 2024年 | 2025年).
        if singles[i] > score or (singles[i] == score >= 2 and best[1] == 1 and numbers[i] == numbers[best[0]] + 1):
            best, score = (i, 1), singles[i]
        # Two rows read as one header only when they are adjacent and together say more than either alone.
        if i + 1 < len(rows) and numbers[i + 1] == numbers[i] + 1 and not _is_unit_row(rows[i + 1]):
            merged = _score(_merged(filled[i], filled[i + 1]), known) + _groups_over(filled[i], filled[i + 1], known)
            # … or as much as the row under it when the upper row is a header too (序号 | 城市 | 学术交流对接 over
            # 对接活动 | 参与专家, its cells merged down into the lower row)
            upper_too = singles[i] >= 2 and merged == singles[i + 1] >= score
            if merged > max(score, singles[i], singles[i + 1]) or upper_too:
                best, score = (i, 2), merged
    first, count = best
    header = filled[first] if count == 1 else _merged(filled[first], filled[first + 1])
    start = first + count  # the body's first row, counted in `rows`
    units = numbering = None
    for _ in range(2):  # a unit row and a 栏次 row, in either order
        if start < len(rows) and units is None and _is_unit_row(rows[start]):
            units, start = numbers[start], start + 1
        elif start < len(rows) and numbering is None and _is_numbering_row(rows[start]):
            numbering, start = numbers[start], start + 1
    end = len(table) - _footer_rows(table, start - 1)
    if start == 1 and units is None and end == len(table):
        return table
    body = slice(start - 1, max(end, start - 1))  # in the body's own positions (rows[k] is body row k - 1)
    kept = table.row_numbers[body]
    cells, written = header_of(list(header))
    footer = range(end, len(table))
    lines = [(numbers[k], tuple(rows[k])) for k in range(first)]
    lines += [(int(table.row_numbers[k]), tuple(str(c[k].as_py()) for c in table.columns)) for k in footer]
    return dataclasses.replace(
        table,
        header=cells,
        header_row=numbers[first + count - 1],
        width=max(written, len(cells)),
        columns=tuple(c.slice(body.start, len(kept)) for c in table.columns)
        or tuple(pa.array([], pa.string()) for _ in cells),
        row_numbers=kept,
        too_long=_still_too_long(table.too_long, kept, len(cells)),
        layout=Layout(
            header_rows=tuple(numbers[first : first + count]),
            above=tuple(numbers[:first]),
            units=units,
            footer=tuple(table.row_numbers[end:].tolist()),
            numbering=numbering,
            lines=tuple(lines),
            header_cells=tuple(tuple(filled[k]) for k in range(first, first + count)),
            unit_cells=tuple(rows[numbers.index(units)]) if units is not None else (),
        ),
    )


def _still_too_long(too_long: dict[int, int], kept: np.ndarray, width: int) -> dict[int, int]:
    """Of the rows with more cells than the first line, those kept in the body and wider than the header found."""
    if not too_long:
        return {}
    body = set(kept.tolist())
    return {n: c for n, c in too_long.items() if n in body and c > width}


def _filled_across(
    rows: list[list[str]], numbers: list[int], merges: Sequence[tuple[int, int, int, int]]
) -> list[list[str]]:
    """The rows with each merged range's value written into every column it spans (the rows it spans too)."""
    if not merges:
        return rows
    at = {n: k for k, n in enumerate(numbers)}
    filled = [list(r) for r in rows]
    for first_row, last_row, first_column, last_column in merges:
        if first_row not in at or first_column >= len(rows[0]):
            continue
        value = rows[at[first_row]][first_column]
        for n in range(first_row, last_row + 1):
            if n in at:
                for c in range(first_column, min(last_column, len(rows[0]) - 1) + 1):
                    filled[at[n]][c] = filled[at[n]][c] or value
    return filled


def recognised_cells(table: Table, known: Callable[[str], bool]) -> int:
    """How many of the table's header cells are headers some upload kind reads (a sheet with none holds no table)."""
    return _score(list(table.header), known)


def _padded(cells: Sequence[str], width: int) -> list[str]:
    return [*cells, *[""] * (width - len(cells))]


def _score(cells: Sequence[str], known: Callable[[str], bool]) -> int:
    """How many distinct cells are known headers."""
    return len({c for c in cells if c and known(c)})


def _merged(upper: Sequence[str], lower: Sequence[str]) -> list[str]:
    """A two-row header as one: the lower cell where it has one (a group row's label stands over its columns),
    else the upper (a cell merged down over both rows keeps its text in the upper)."""
    return [b or a for a, b in zip(upper, lower, strict=True)]


def _groups_over(upper: Sequence[str], lower: Sequence[str], known: Callable[[str], bool]) -> int:
    """How many distinct known labels of an upper row stand over known headers of the row under it, each with a
    blank beside it (2024年 | ‹blank› over 对接活动 | 签订合作协议): a group row, which with the row under it says
    more than either alone."""
    return len({a for k, (a, b) in enumerate(zip(upper, lower, strict=True)) if a and known(a) and b and known(b)
                and k + 1 < len(upper) and (not upper[k + 1] or upper[k + 1] == a)})  # fmt: skip


def _is_unit_row(cells: Sequence[str]) -> bool:
    """A row of units under the header: （场）（项）（万元）, or 单位：人."""
    filled = [unicodedata.normalize("NFKC", c).strip() for c in cells if c.strip()]
    if not filled:
        return False
    return all(
        as_unit(cell) is not None or cell.strip("()").lower() in {"%", "单位", "unit", "units"} for cell in filled
    )


_STEMS = set("甲乙丙丁戊己庚辛壬癸")


def _is_numbering_row(cells: Sequence[str]) -> bool:
    """A 栏次 row under the header numbering its columns: 甲 乙 丙 1 2 3 (or 栏次 first, or 1 2 3 … across all)."""
    filled = [unicodedata.normalize("NFKC", c).strip() for c in cells if c.strip()]
    if len(filled) < 2:
        return False
    if filled[0] in ("栏次", "栏号", "列次"):
        return True
    stems = [c for c in filled if c in _STEMS]
    counts = [c for c in filled if c not in _STEMS]
    if not all(c.isdigit() for c in counts):
        return False
    consecutive = (
        [int(c) for c in counts] == list(range(int(counts[0]), int(counts[0]) + len(counts))) if counts else True
    )
    return consecutive and (
        bool(stems) or (len(counts) >= 3 and counts[0] in ("0", "1") and len(counts) == len(filled))
    )


def _footer_rows(table: Table, start: int) -> int:
    """How many rows at the end of the body (after position `start`) are footer lines."""
    count = 0
    for i in range(len(table) - 1, start, -1):
        cells = [c[i].as_py() for c in table.columns]
        first = next((c for c in cells if c), "")
        if not _FOOTER.match(unicodedata.normalize("NFKC", first).strip()):
            break
        count += 1
    return count


def choose_sheet(located: Sequence[Table], sheet: str | None, known: Callable[[str], bool]) -> Table:
    """Of a file's tables (each as `locate` found it), the one to read: the sheet asked for, else the one sheet that
    holds a recognisable table (whichever is active), else the active sheet (its checks say what is wrong);
    FileError when several sheets hold tables and none was asked for, or the one asked for is not there."""
    if sheet is not None:
        wanted = _sheet_key(sheet)
        found = [t for t in located if _sheet_key(t.sheet or "") == wanted]
        if not found:
            raise FileError(
                Text("没有名为“{s}”的工作表；工作簿中有：{a}。", "There is no sheet '{s}'; the workbook has: {a}.")
                .format(s=sheet, a=_names(located[0].sheets or [t.sheet or "" for t in located]))
            )  # fmt: skip
        return found[0]
    with_table = sheets_with_tables(located, known)
    if len(with_table) > 1:
        raise FileError(
            Text(
                "{n} 个工作表都有数据表：{s}。请选择要读取的一个（命令行用 --sheet），每个工作表分别上传。",
                "{n} sheets hold tables: {s}. Choose the one to read (--sheet on the command line) and upload "
                "each sheet in turn.",
            ).format(n=len(with_table), s=_names(with_table))
        )
    return next((t for t in located if t.sheet == with_table[0]), located[0]) if with_table else located[0]


def sheets_with_tables(located: Sequence[Table], known: Callable[[str], bool]) -> list[str]:
    """The sheets whose table (as `locate` found it) is recognisable: two or more known headers."""
    return [t.sheet or "" for t in located if recognised_cells(t, known) >= 2]


def described(table: Table) -> Text | None:
    """Where the table was found, for the preview and the CLI: the sheet and the header row, and what was set
    aside; None for a file read as it is (one sheet, the header in its first row)."""
    parts: list[Text] = []
    found = table.layout
    if found is not None and found.above:
        parts.append(Text("跳过表头上方的{r}（标题等）", "skipped {r} above it (titles)").format(r=_rows(found.above)))
    if found is not None and found.units is not None:
        parts.append(Text("{r}是单位行", "{r} holds units").format(r=_rows([found.units])))
    if found is not None and found.numbering is not None:
        parts.append(Text("{r}是栏次行（甲、乙、1、2…）", "{r} numbers the columns (甲, 乙, 1, 2 …)").format(
            r=_rows([found.numbering])))  # fmt: skip
    if found is not None and found.footer:
        parts.append(Text("末尾{r}（填表人、备注等）未读取", "{r} at the end (signatures, notes) not read").format(
            r=_rows(found.footer)))  # fmt: skip
    several = len(table.sheets) > 1
    if not parts and not several and table.header_row == 1:
        return None
    header = Text("表头为{r}", "header in {r}").format(r=_rows(found.header_rows if found else [table.header_row]))
    where = (
        Text("读取工作表“{s}”（共 {n} 个）", "Read sheet '{s}' (of {n})").format(s=table.sheet, n=len(table.sheets))
        if table.sheet is not None
        else Text("读取文件", "Read the file")
    )
    joined = [where, header, *parts]
    return Text("，".join(p.zh for p in joined) + "。", "; ".join(p.en for p in joined) + ".")


def _sheet_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _names(names: Sequence[str]) -> str:
    return "、".join(f"“{n}”" for n in names)


def _rows(numbers: Sequence[int]) -> Text:
    """Rows 1, 2, 3 and 5 as "第 1–3, 5 行" / "rows 1–3, 5"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    shown = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return Text(f"第 {shown} 行", f"rows {shown}" if len(numbers) > 1 else f"row {shown}")
