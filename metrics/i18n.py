"""Bilingual text: every user-facing message exists in Chinese and English."""

from __future__ import annotations

import os
from typing import NamedTuple

LANGS = ("zh", "en")


class Text(NamedTuple):
    """A message in both languages; `format` fills placeholders in both."""

    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def format(self, **values) -> Text:
        """The same message with placeholders filled in both languages (a Text value fills each in its own)."""
        pick = lambda lang: {k: v(lang) if isinstance(v, Text) else v for k, v in values.items()}  # noqa: E731
        return Text(self.zh.format(**pick("zh")), self.en.format(**pick("en")))


class Problem(Exception):
    """An error meant for the user: its message, in both languages, is in `text`."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


def default_lang() -> str:
    """The CLI's language: PILOT_LANG, else the locale (zh_* gives Chinese), else English."""
    for name in ("PILOT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


REGION_NAMES = {
    "east": Text("东部", "East"),
    "central": Text("中部", "Central"),
    "west": Text("西部", "West"),
    "northeast": Text("东北", "Northeast"),
}
KIND_NAMES = {"city": Text("城市", "City"), "park": Text("园区", "Park")}
ROLE_NAMES = {"viewer": Text("查看者", "viewer"), "editor": Text("编辑", "editor"), "admin": Text("管理员", "admin")}

SAMPLE_NOTICE = Text(
    "示例数据：按中国科协公布的2014—2016年项目总数校准的演示数据，各城市数值为示意，并非真实统计。",
    "Sample data: illustrative figures calibrated to CAST's published 2014–2016 programme totals; "
    "per-city values are not real statistics.",
)

SOURCE = Text("来源：中国科协创新驱动助力工程试点城市报送数据", "Source: CAST CONTRID pilot-city reports")
SAMPLE_SOURCE = Text(
    "来源：示例数据（按中国科协公布的2014—2016年项目总数校准，各城市数值为示意）",
    "Source: sample data (calibrated to CAST's published 2014–2016 totals; per-city values illustrative)",
)
