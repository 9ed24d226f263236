"""Reading an uploaded file into a table of text: CSV/TXT or XLSX, told apart by content, not by the file name."""

from __future__ import annotations

from ..domain.i18n import Text
from .table import MAX_FILE_BYTES, FileError, Table
from .text_files import decode, read_csv
from .workbooks import read_xlsx


def read_table(data: bytes) -> Table:
    """The table in an uploaded file (CSV/TXT or XLSX, told apart by content); FileError if unreadable."""
    if not data.strip():
        raise FileError(Text("文件是空的。", "The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise FileError(
            Text(f"文件超过 {MAX_FILE_BYTES // 2**20} MB。", f"The file is larger than {MAX_FILE_BYTES // 2**20} MB.")
        )
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    text, encoding = decode(data)
    return read_csv(text, encoding)
