"""The programme's own terms: its years, the regions and kinds of pilots, which pilots a view covers, its sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .i18n import Text

PROGRAMME_START = 2014
MIN_YEAR = 2000  # valid years run from here to the current calendar year
REGIONS = ("east", "central", "west", "northeast")
KINDS = ("city", "park")
# The cities table's columns after city_code, as uploads read and write them.
CITY_FIELDS = ("name_zh", "name_en", "province_zh", "province_en", "region", "kind", "batch", "designated_year",
               "lat", "lon")  # fmt: skip

REGION_NAMES = {
    "east": Text("东部", "East"),
    "central": Text("中部", "Central"),
    "west": Text("西部", "West"),
    "northeast": Text("东北", "Northeast"),
}
KIND_NAMES = {"city": Text("城市", "City"), "park": Text("园区", "Park")}

APP_NAME = Text("试点城市创新仪表盘", "Pilot-city innovation dashboard")
APP_PURPOSE = Text(  # what the tool shows, in a line under its name on the first screen
    "中国科协创新驱动助力工程试点城市与园区的逐年工作数据：按城市查看、对比、考核与汇报。",
    "The yearly figures of the pilot cities and parks of CAST's innovation-driven programme: followed, compared, "
    "assessed and presented, city by city.",
)
SAMPLE_NOTICE = Text(
    "示例数据：按中国科协公布的2014—2016年项目总数校准的演示数据，各城市数值和目标值为示意，并非真实统计。",
    "Sample data: illustrative figures calibrated to CAST's published 2014–2016 programme totals; "
    "per-city values and targets are not real statistics.",
)
SOURCE = Text("来源：中国科协创新驱动助力工程试点城市报送数据", "Source: CAST CONTRID pilot-city reports")
SAMPLE_SOURCE = Text(
    "来源：示例数据（按中国科协公布的2014—2016年项目总数校准，各城市数值为示意）",
    "Source: sample data (calibrated to CAST's published 2014–2016 totals; per-city values illustrative)",
)
SAMPLE_SOURCE_BRIEF = Text("来源：示例数据", "Source: sample data")  # under a chart on a page that says the rest


def max_year() -> int:
    """The last valid year: the current calendar year."""
    return date.today().year


@dataclass(frozen=True)
class Scope:
    """Which cities a query covers; None in a field means no restriction."""

    cities: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None
    batches: tuple[int, ...] | None = None

    def params(self) -> dict[str, list | None]:
        """The bound parameters the store's scope clause expects."""

        def as_list(values: tuple | None) -> list | None:
            return list(values) if values is not None else None

        return {
            "cities": as_list(self.cities),
            "regions": as_list(self.regions),
            "kinds": as_list(self.kinds),
            "batches": as_list(self.batches),
        }
