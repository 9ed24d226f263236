"""Import times: a 10,000- and a 100,000-row yearly-figures file checked and committed, against DuckDB's own read.

    python -m benchmarks.imports --db SCALE_100_DB --work DIR [--rows 10000 100000] [--noisy-rows 100000] [--repeats R]

Each import goes into a fresh copy of the database. The file is what an officer's spreadsheet saves: Chinese
headers, a 序号 column, cities by Chinese name, thousands separators, and some cells not reported ("-" or blank);
the same rows are imported as an Excel workbook too. Beside them (`"noisy": true`, not a target), the largest file
drawn as this benchmark used to draw it, its stocks falling in about half the years: a warning on half its rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
FIRST_YEAR = 2000
STOCK_GROWTH = 1.06
STOCK_NOISE = 1.02  # below STOCK_GROWTH, so that a stock never falls from one year to the next


def figures_file(levels: pd.DataFrame, rows: int, seed: int = 7, noisy: bool = False) -> bytes:
    """A yearly-figures CSV (UTF-8 with BOM, as Excel saves it) of `rows` rows, newest year first.

    `levels` holds each city's typical value of every column (indexed by Chinese name). A flow is that level times
    a factor from 0.7 to 1.4, drawn each year; a stock (the talent pool at year end) reaches its level in the newest
    year and is STOCK_GROWTH times smaller each year before, times a factor from 1 to STOCK_NOISE that never makes
    it fall. So the file is plausible: few "three times last year" or "the stock fell" warnings. With `noisy`,
    stocks are drawn like flows, independently each year, and fall in about half the years (the file this benchmark
    used to import: a warning on about half its rows).
    """
    from metrics.domain import registry
    from metrics.store import sample

    rng = random.Random(seed)
    columns = registry.BASE_INDICATORS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["序号", "城市", "年份", *(i.header_zh for i in columns), "备注"])
    last = sample.last_full_year()
    cities = levels.index.tolist()
    pairs = ((name, year) for year in range(last, FIRST_YEAR - 1, -1) for name in cities)
    typical = levels.to_dict("index")
    for n, (name, year) in enumerate(pairs, start=1):
        if n > rows:
            break
        cells = []
        for ind in columns:
            draw = rng.random()
            if ind.kind == "stock" and not noisy:
                value = typical[name][ind.column] * STOCK_GROWTH ** (year - last) * rng.uniform(1, STOCK_NOISE)
            else:
                value = typical[name][ind.column] * rng.uniform(0.7, 1.4)
            if draw < 0.03:
                cells.append("-")
            elif draw < 0.05:
                cells.append("")
            elif ind.sql_type == "INTEGER":
                cells.append(f"{round(value):,}")
            else:
                cells.append(f"{value:.2f}")
        writer.writerow([n, name, year, *cells, ""])
    else:
        raise ValueError(f"{len(cities)} cities give fewer than {rows} city-years")
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(csv_file: bytes) -> bytes:
    """The same table as an Excel workbook saves it: numbers as numbers, text as shared strings, gaps empty."""
    import openpyxl

    def cell(text: str):
        plain = text.replace(",", "")
        for kind in (int, float):
            try:
                return kind(plain)
            except ValueError:
                pass
        return text or None

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    rows = csv.reader(io.StringIO(csv_file.decode("utf-8-sig")))
    sheet.append(next(rows))
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def typical_levels(db: Path, noisy: bool = False) -> pd.DataFrame:
    """Each city's median of every flow column and largest value of every stock column (its latest year-end: stocks
    grow; with `noisy`, their median too, as the noisy file has always had), indexed by its Chinese name (1 where it
    never reported)."""
    from metrics.domain import registry
    from metrics.store.cities import list_cities
    from metrics.store.database import open_database
    from metrics.store.exports import table_rows

    database = open_database(db)
    with database.cursor() as cur:
        cities = list_cities(cur)[["city_code", "name_zh"]]
        for table in registry.VALUE_TABLES:
            columns = [i.column for i in registry.columns_of(table)]
            by_city = table_rows(cur, table).groupby("city_code")[columns]
            typical = by_city.median()
            stocks = [c for c in columns if registry.base(c).kind == "stock" and not noisy]
            typical[stocks] = by_city.max()[stocks]
            cities = cities.merge(typical, left_on="city_code", right_index=True, how="left")
    database.close()
    return cities.set_index("name_zh").drop(columns="city_code").astype(float).fillna(1.0)


def duckdb_read_seconds(path: Path) -> float:
    """How long DuckDB alone takes to read the file into a table (its own CSV reader, types detected)."""
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv($path)", {"path": str(path)})
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def import_seconds(db: Path, path: Path, work: Path) -> tuple[float, dict, int]:
    """How long checking and committing the file takes in-process, on a fresh copy of the database."""
    from metrics.domain.roles import cli_actor
    from metrics.ingest import uploads
    from metrics.store.database import open_database

    copy = work / "import-copy.duckdb"
    shutil.copyfile(db, copy)
    database = open_database(copy)
    try:
        start = time.perf_counter()
        prepared, upload_id = uploads.load(database, path.read_bytes(), path.name, cli_actor("benchmark"))
        seconds = time.perf_counter() - start
    finally:
        database.close()
        copy.unlink()
        shutil.rmtree(work / "uploads", ignore_errors=True)
    if upload_id is None:
        raise RuntimeError(f"the benchmark file was refused: {prepared.report.sorted_issues()[:3]}")
    return seconds, prepared.counts, len(prepared.report.issues)


def cli_seconds(db: Path, path: Path, work: Path) -> float:
    """Wall time of `python -m metrics import FILE` (a whole new process: interpreter, imports, check, commit)."""
    copy = work / "cli-copy.duckdb"
    shutil.copyfile(db, copy)
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "metrics", "import", str(path), "--db", str(copy)], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        return time.perf_counter() - start
    finally:
        copy.unlink()
        shutil.rmtree(work / "uploads", ignore_errors=True)


def measure(db: Path, work: Path, rows: int, repeats: int, noisy: bool = False) -> dict:
    """Medians for one file size; of the noisy file (see figures_file), the import and DuckDB's read only."""
    path = work / f"figures-{rows}{'-noisy' if noisy else ''}.csv"
    path.write_bytes(figures_file(typical_levels(db, noisy), rows, noisy=noisy))
    workbook = work / f"figures-{rows}.xlsx"
    if not noisy:
        workbook.write_bytes(as_xlsx(path.read_bytes()))
    totals, reads, excel = [], [], []
    for _ in range(repeats):  # interleaved, so that a noisy moment touches both alike
        seconds, counts, warnings = import_seconds(db, path, work)
        totals.append(seconds)
        reads.append(duckdb_read_seconds(path))
        if not noisy:
            excel.append(import_seconds(db, workbook, work)[0])
    found = {
        "rows": rows,
        "total_s": statistics.median(totals),
        "duckdb_read_s": statistics.median(reads),
        "file_mb": path.stat().st_size / 2**20,
        "warnings": warnings,
        **counts,
    }
    if noisy:
        return {**found, "noisy": True}  # beside the target, not one
    # the same rows as an Excel workbook (not a target: no DuckDB baseline)
    return {**found, "xlsx_s": statistics.median(excel), "cli_s": cli_seconds(db, path, work)}


def main(argv=None) -> int:
    """Measure the imports and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--noisy-rows", type=int, nargs="*", help="the noisy file, rows (default: the most)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    args.work.mkdir(parents=True, exist_ok=True)
    noisy = [max(args.rows)] if args.noisy_rows is None else args.noisy_rows
    found = [measure(args.db, args.work, rows, args.repeats) for rows in args.rows]
    found += [measure(args.db, args.work, rows, args.repeats, noisy=True) for rows in noisy]
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
