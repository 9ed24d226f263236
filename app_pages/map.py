"""Map: pilot cities as points sized by an indicator (no borders or base map, works offline)."""

import streamlit as st

from metrics.domain import registry
from metrics.domain.i18n import Text
from metrics.present import plotly_layout, tables
from metrics.present.chart_spec import ChartSpec
from ui import data, show, state

v = state.view()
t, lang = v.t, v.lang
first, last = v.years

st.title(t(Text("试点分布", "Where the pilots are")))
left, right = st.columns([3, 1])
key = left.selectbox(
    t(Text("点的大小表示", "Point size shows")), registry.COMPARABLE_KEYS,
    index=state.bind_index("map_indicator", "agreements", registry.COMPARABLE_KEYS, name="indicator"),
    format_func=lambda k: registry.get(k).title(lang), key="map_indicator",
)  # fmt: skip
years = list(v.years.years)
year = right.selectbox(t(Text("年份", "Year")), years, index=state.bind_index("year", last, years, int), key="year",
                      format_func=v.year_label)  # fmt: skip

show.chart(v, ChartSpec("map", key, (first, year), v.scope), key="map", style=plotly_layout.WIDE)
st.caption(
    t(
        Text(
            "按经纬度绘制的点位示意图，不含行政区划边界与底图；颜色表示东、中、西、东北地区。",
            "Points at each pilot's coordinates; no boundaries or base map are drawn. Colour shows the region.",
        )
    )
)
st.subheader(t(Text("{y} 年排名", "Ranking, {y}").format(y=year)))
show.ranking(data.read(v, tables.ranking, key, year, v.scope, lang), f"ranking_{key}_{year}")
