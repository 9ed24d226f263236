"""Writes the small upload files the tests read (run it again after changing a case; the files are committed)."""

import codecs
import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
ZH = ["城市", "年份", "对接活动（场）", "签订合作协议（项）", "协议金额（万元）", "专家库人数（人）"]
EN = [
    "city",
    "year",
    "Matching activities held",
    "Cooperation agreements signed",
    "Agreement value (10k CNY)",
    "Experts in the talent pool (experts)",
]
CITIES = [
    "city_code",
    "name_zh",
    "name_en",
    "province_zh",
    "province_en",
    "region",
    "kind",
    "batch",
    "designated_year",
    "lat",
    "lon",
]
GOOD = [["杭州", "2026", "40", "1,234", "5678.5", "２０００"], ["武汉市", "2026", "35", "—", "", "1500"]]
# The sample's programme events (data/sample_events.csv); events files are checked against them.
EVENTS = [
    ["2014-01-01", "科协“创新驱动助力工程”启动", "CAST launches CONTRID"],
    ["2016-05-30", "全国科技创新大会召开", "National S&T Innovation Conference"],
    ["2020-05-01", "“科创中国”启动", "Innovation China launched"],
]


def csv_text(rows, sep=","):
    def cell(c):
        return f'"{c}"' if sep in c or '"' in c else c

    return "\r\n".join(sep.join(cell(c) for c in r) for r in rows) + "\r\n"


def xlsx(rows, formula_cell=None):
    book = openpyxl.Workbook()
    sheet = book.active
    for r in rows:
        sheet.append([int(c) if isinstance(c, str) and c.isdigit() else c for c in r])
    if formula_cell:
        sheet[formula_cell] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# fmt: off
FILES = {
    # Good files: every encoding, delimiter and header style.
    "good-utf8.csv": csv_text([ZH, *GOOD]).encode("utf-8"),
    "good-utf8-bom.csv": codecs.BOM_UTF8 + csv_text([ZH, *GOOD]).encode("utf-8"),
    "good-utf16.txt": csv_text([ZH, *GOOD], "\t").encode("utf-16"),
    "good-gbk-excel.csv": csv_text([["序号", *ZH, "备注"], *[[str(i), *r, ""] for i, r in enumerate(GOOD, 1)]]).encode(
        "gbk"
    ),
    "good-gb18030-semicolon.csv": csv_text([ZH, *GOOD], ";").encode("gb18030"),
    "good-english.csv": csv_text(
        [EN, ["Hangzhou", "2026", "40", "1234", "5678.50", "2000"], ["Wuhan", "2026", "35", "N/A", "", "1500"]]
    ).encode("utf-8"),
    "good-keys-fullwidth.csv": csv_text(
        [["ＣＩＴＹ", "Year", "activities ", "experts_in_pool"], ["330100", "2026", "４０", "2000"]]
    ).encode("utf-8"),
    "good.xlsx": xlsx([ZH, *GOOD]),
    "good-cities.csv": csv_text(
        [
            CITIES,
            ["330600", "绍兴市", "Shaoxing", "浙江省", "Zhejiang", "east", "city", "7", "2024", "30.03", "120.58"],
            ["330100", "杭州市", "Hangzhou", "浙江省", "Zhejiang", "east", "city", "1", "2014", "30.2741", "120.1551"],
        ]
    ).encode("utf-8"),
    # Events files: one unchanged, one retitled, one new, the 2020 event left out (removed).
    "good-events.csv": csv_text(
        [["date", "title_zh", "title_en"], EVENTS[0], [*EVENTS[1][:2], "National S&T Innovation Conference (Beijing)"],
         ["2021-06-01", "第六批试点城市公布", "Sixth batch of pilot cities announced"]]
    ).encode("utf-8"),
    "good-events-gbk.csv": csv_text(
        [["序号", "日期", "事件（中文）", "事件（英文）"], ["1", "2014/1/1", *EVENTS[0][1:]],
         ["2", "2016年5月30日", *EVENTS[1][1:]], ["3", "2020-5-1", *EVENTS[2][1:]]]
    ).encode("gbk"),
    "good-events.xlsx": xlsx(
        [["Date", "Title (Chinese)", "Title (English)"],
         *[[datetime.fromisoformat(d), zh, en] for d, zh, en in EVENTS],
         [datetime(2024, 3, 1), "新事件", "A new event"]]
    ),
    "bad-events.csv": csv_text(
        [["日期", "中文标题", "英文标题"],
         ["2016-02-30", "某事件", "Some event"],
         ["1999-05-01", "旧事件", "An old event"],
         ["2017-03-01", "无英文标题", ""],
         ["2018-01-01", "=HYPERLINK(A1)", "A link"],
         ["2019-01-01", "长标题", "x" * 121],
         ["2020-05-01", "科创中国", "Innovation China"],
         ["2020/5/1", "科创中国", "Innovation China again"],
         ["5/1/2020", "美式日期", "A US date"]]
    ).encode("utf-8"),
    "bad-events-header-only.csv": csv_text([["date", "title_zh", "title_en"]]).encode("utf-8"),
    # Bad files: each refused whole.
    "bad-empty.csv": b"",
    "bad-header-only.csv": csv_text([ZH]).encode("utf-8"),
    "bad-junk.csv": bytes(range(256)) * 8,
    "bad-truncated.xlsx": xlsx([ZH, *GOOD])[:1500],
    "bad-ragged.csv": csv_text([ZH, ["杭州", "2026", "40", "1", "234", "5678.5", "2000"]]).encode("utf-8"),
    "bad-duplicate-rows.csv": csv_text([ZH, GOOD[0], GOOD[1], GOOD[0]]).encode("utf-8"),
    "bad-formula.csv": csv_text([ZH, ["杭州", "2026", "=1+1", "1", "", ""]]).encode("utf-8"),
    "bad-formula.xlsx": xlsx([ZH, *GOOD], formula_cell="C2"),
    "bad-script.csv": csv_text([ZH, ["<script>alert(1)</script>", "2026", "1", "1", "", ""]]).encode("utf-8"),
    "bad-huge.csv": csv_text([ZH, ["杭州", "2026", "1000000000000000", "1", "", ""]]).encode("utf-8"),
    "bad-years.csv": csv_text([ZH, ["杭州", "1999", "1", "1", "", ""], ["武汉", "2100", "1", "1", "", ""]]).encode(
        "utf-8"
    ),
    "bad-one-row-of-many.csv": csv_text(
        [
            ZH,
            *[[c, str(y), "1", "1", "", ""] for c in ("杭州", "武汉", "成都") for y in range(2014, 2026)],
            ["西安", "2020", "abc", "1", "", ""],
        ]
    ).encode(),
    "bad-misspelt-header.csv": csv_text([["城市", "年份", "签定合作协议"], ["杭州", "2026", "3"]]).encode("utf-8"),
    "bad-negative-and-fraction.csv": csv_text([ZH, ["杭州", "2026", "-3", "2.5", "", ""]]).encode("utf-8"),
    "bad-unknown-city.csv": csv_text([ZH, ["杭洲", "2026", "1", "1", "", ""]]).encode("utf-8"),
    "bad-no-city-column.csv": csv_text([["年份", "对接活动（场）"], ["2026", "1"]]).encode("utf-8"),
    "bad-cities.csv": csv_text(
        [
            CITIES,
            ["33060", "绍兴市", "Shaoxing", "浙江省", "Zhejiang", "south", "town", "0", "1990", "95", "120.58"],
            ["330600", "绍兴市", "Shaoxing", "浙江省", "Zhejiang", "east", "city", "7", "2024", "30.03", "120.58"],
        ]
    ).encode("utf-8"),
}
# fmt: on


def zip_bomb(expanded_bytes: int) -> bytes:
    """An .xlsx-looking zip whose one entry expands to `expanded_bytes` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * expanded_bytes)
    return out.getvalue()


if __name__ == "__main__":
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
    (HERE / "bad-zip-bomb.xlsx").write_bytes(zip_bomb(300 * 2**20))
    print(f"wrote {len(FILES) + 1} files to {HERE}")
