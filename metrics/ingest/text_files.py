"""Text tables (CSV/TXT) in the encodings officers' tools write: UTF-8 with or without BOM, UTF-16, GBK/GB18030;
comma, semicolon or tab."""

from __future__ import annotations

import codecs
import csv
import io
import re

import charset_normalizer
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..domain.i18n import Text
from .table import MAX_COLUMNS, FileError, Table, columnar_table, table_from_lines

DELIMITERS = (",", ";", "\t", "|")


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: BOMs first, then strict UTF-8, then GB18030 (GBK), then a detector's guess."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding)), encoding
            except UnicodeDecodeError:
                raise not_text() from None
    if b"\x00" in data:
        raise not_text()
    for encoding in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(encoding)), encoding
        except UnicodeDecodeError:
            continue
    guess = charset_normalizer.from_bytes(data).best()
    if guess is None:
        raise not_text()
    return _checked(str(guess)), guess.encoding


def not_text() -> FileError:
    return FileError(
        Text(
            "无法识别文件内容：它既不是文本表格（CSV/TXT），也不是 Excel（.xlsx）文件。",
            "The file is neither a text table (CSV/TXT) nor an Excel (.xlsx) workbook.",
        )
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode category Cc, but for tab, CR and LF


def _checked(text: str) -> str:
    """Refuse text with control characters (binary data that happened to decode)."""
    # Arrow's regex engine scans a large file quicker than Python's.
    if pc.any(pc.match_substring_regex(pa.array([text], pa.large_string()), _CONTROL.pattern)).as_py():
        raise not_text()
    return text


_HEAD = 65_536


def _delimiter(text: str) -> str:
    # The first line that is not blank, found in the file's head (splitting the whole of a large file is slow).
    lines = text[:_HEAD].splitlines()[: -1 if len(text) > _HEAD else None]  # the head's last line may be cut
    header = next((line for line in lines if line.strip()), None)
    if header is None:
        header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(text: str, encoding: str) -> Table:
    delimiter = _delimiter(text)
    fast = _read_csv_fast(text, encoding, delimiter)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = list(reader)
    except csv.Error:
        raise FileError(
            Text(
                "无法解析 CSV：第 {r} 行附近引号不配对或单元格过长。",
                "The CSV cannot be parsed near line {r}: unbalanced quotes or a cell too long.",
            ).format(r=reader.line_num)
        ) from None
    _check_quotes(lines, delimiter)
    return table_from_lines(lines, "csv", encoding=encoding, delimiter=delimiter)


def _check_quotes(records: list[list[str]], delimiter: str) -> None:
    """A quote that is never closed swallows the lines after it into one cell: refused, naming the row where it
    opens (a cell holding both a line break and the delimiter is one)."""
    for number, record in enumerate(records, start=1):
        for cell in record:
            if "\n" in cell and delimiter in cell:
                start = cell.split("\n", 1)[0]
                raise FileError(
                    Text(
                        '第 {r} 行的引号（"）没有闭合：“{c}”之后的各行都被读进了同一个单元格。请补上或删去这个引号。',
                        "The quote (\") in row {r} is never closed: the lines after '{c}' were all read into one "
                        "cell. Close the quote or remove it.",
                    ).format(r=number, c=start[:40])
                )


_LONE_CR = re.compile(r"\r(?!\n)")


def _read_csv_fast(text: str, encoding: str, delimiter: str) -> Table | None:
    """The table read by Arrow's CSV reader (vectorised), or None when the file needs the exact row-by-row reader.

    Arrow's reader does not count spreadsheet rows, so it is used only where each record is one line: no quoted
    cell spans lines, and every line has as many cells as the first. Empty lines are skipped by both readers; the
    numbering comes from the lines themselves.
    """
    if _LONE_CR.search(text):
        return None  # a CR not before a LF ends a line of its own ("\r\r\n" is two lines to a spreadsheet)
    lines = pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten()  # as text.split, in Arrow
    if '"' in text and pc.any(pc.not_equal(pc.bit_wise_and(pc.count_substring(lines, '"'), 1), 0)).as_py():
        return None  # a line with an odd number of quotes: a quoted cell holds a line break
    empty = pc.or_(pc.equal(lines, ""), pc.equal(lines, "\r"))  # skipped by Arrow's reader, counted as rows here
    numbers = pc.indices_nonzero(pc.invert(empty)).to_numpy().astype(np.int64) + 1
    try:
        arrow = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(MAX_COLUMNS + 1)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # ragged rows, a lone CR, …: the exact reader reports them
    if arrow.num_rows != len(numbers) or arrow.num_columns > MAX_COLUMNS:
        return None
    columns = [c.combine_chunks() for c in arrow.columns]
    return columnar_table(columns, numbers, "csv", encoding=encoding, delimiter=delimiter)
