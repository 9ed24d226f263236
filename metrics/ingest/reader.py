"""Reading an uploaded file into tables of text: CSV/TXT, or every sheet of an .xlsx, .xls, .xlsb or .ods workbook,
told apart by content, not by the file name; files that are none of these are named for what they are."""

from __future__ import annotations

import io
import zipfile

from ..domain.i18n import Text
from .table import MAX_FILE_BYTES, FileError, Table
from .text_files import decode, read_csv
from .workbooks import check_expansion, password_protected, read_other_workbook, read_xlsx

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003, and Office's wrapper of an encrypted workbook
ODS = b"application/vnd.oasis.opendocument.spreadsheet"


def read_tables(data: bytes) -> list[Table]:
    """The tables in an uploaded file: one for a text file, one per worksheet with content for a workbook (the
    active sheet first); FileError if unreadable."""
    if not data.strip():
        raise FileError(Text("文件是空的。", "The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise FileError(
            Text(f"文件超过 {MAX_FILE_BYTES // 2**20} MB。", f"The file is larger than {MAX_FILE_BYTES // 2**20} MB.")
        )
    if data[:4] == b"PK\x03\x04":
        return _read_zip(data)
    if data[:8] == OLE2:
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise password_protected()
        return read_other_workbook(data, "xls")
    if data[:2] == b"\x1f\x8b":
        raise FileError(
            Text(
                "这是 gzip 压缩文件，不是表格；请先解压，再上传其中的 CSV 或 Excel 文件。",
                "This is a gzip-compressed file, not a table; unpack it and upload the CSV or Excel file inside.",
            )
        )
    if data[:5] == b"%PDF-":
        raise FileError(
            Text(
                "这是 PDF 文件，无法读取其中的表格；请上传 Excel 或 CSV 文件。",
                "This is a PDF; its tables cannot be read. Upload the Excel or CSV file instead.",
            )
        )
    text, encoding = decode(data)
    return [read_csv(text, encoding)]


def read_table(data: bytes) -> Table:
    """The first table read_tables finds (the active sheet of a workbook)."""
    return read_tables(data)[0]


def is_archive(data: bytes) -> bool:
    """Whether the bytes are a zip of other files (not a workbook, which is a zip too)."""
    if not data.startswith(b"PK"):
        return False
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):  # what a damaged zip raises
        return False
    return not names & {"xl/workbook.bin", "xl/workbook.xml", "[Content_Types].xml", "mimetype"}


def _read_zip(data: bytes) -> list[Table]:
    """A zip: an .xlsx, .xlsb or .ods workbook, else said to be an archive of other files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):  # what a damaged zip raises
        return read_xlsx(data)  # which words the refusal: a damaged workbook
    check_expansion(archive)
    if "xl/workbook.bin" in names:
        return read_other_workbook(data, "xlsb")
    if "mimetype" in names and archive.read("mimetype").strip() == ODS:
        return read_other_workbook(data, "ods")
    if "[Content_Types].xml" in names or "xl/workbook.xml" in names:
        return read_xlsx(data)
    shown = "、".join(n for n in names[:5]) + ("…" if len(names) > 5 else "")
    raise FileError(
        Text(
            "这是一个 zip 压缩包（{n} 个文件：{f}），不是表格；请解压后逐个上传其中的文件。",
            "This is a zip archive ({n} files: {f}), not a table; unzip it and upload the files inside.",
        ).format(n=len(names), f=shown)
    )
