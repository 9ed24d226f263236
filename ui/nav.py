"""The dashboard's pages: file, URL, title, icon and who may open them (dashboard.py builds the navigation)."""

import threading
from typing import NamedTuple

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from metrics.domain.i18n import Text


class Page(NamedTuple):
    """One screen of the dashboard."""

    path: str  # the file, under app_pages/
    url: str  # its address (the overview, the default page, is served at /)
    title: Text
    icon: str
    ability: str  # who may open it: an ability of metrics.domain.roles
    listed: bool = True  # in the navigation (presentation mode is reached from the deck page instead)
    working: bool = False  # about the working data itself (uploads, the round, accounts): never shows a release


PAGES = (
    Page("app_pages/overview.py", "overview", Text("项目概览", "Overview"), ":material/dashboard:", "view"),
    Page("app_pages/city.py", "city", Text("城市画像", "City profile"), ":material/location_city:", "view"),
    Page("app_pages/compare.py", "compare", Text("城市对比", "Compare"), ":material/compare_arrows:", "view"),
    Page("app_pages/map.py", "map", Text("分布图", "Map"), ":material/scatter_plot:", "view"),
    Page("app_pages/assessment.py", "assessment", Text("考核评估", "Assessment"), ":material/leaderboard:", "view"),
    Page("app_pages/completeness.py", "completeness", Text("报送完整性", "Data completeness"),
         ":material/fact_check:", "view"),
    Page("app_pages/round.py", "round", Text("年度报送", "Collection round"), ":material/assignment_turned_in:",
         "view", working=True),
    Page("app_pages/changes.py", "changes", Text("有何变化", "What changed"), ":material/difference:", "view"),
    Page("app_pages/deck.py", "deck", Text("演示文稿", "Deck"), ":material/slideshow:", "view"),
    Page("app_pages/upload.py", "upload", Text("数据上传", "Upload"), ":material/upload_file:", "edit", working=True),
    Page("app_pages/admin.py", "admin", Text("账户与备份", "Accounts and backups"),
         ":material/admin_panel_settings:", "admin", working=True),
    Page("app_pages/about.py", "about", Text("指标说明", "About"), ":material/info:", "view"),
    Page("app_pages/present.py", "present", Text("放映", "Present"), ":material/present_to_all:", "view",
         listed=False),
)  # fmt: skip
DEFAULT = "overview"


_MADE: dict[tuple, StreamlitPage] = {}  # (file, title, url, default, visibility) -> its st.Page, made once
_MADE_LOCK = threading.Lock()


def st_page(page: Page, title: str, url_path: str, default: bool) -> StreamlitPage:
    """The st.Page of a page's file, for this run: a copy of one made once per process and title. Making one
    resolves the file's path on disk (a dozen system calls a page, every run); st.navigation marks the copies it is
    given, so each run has its own."""
    visibility = "visible" if page.listed else "hidden"
    key = (page.path, title, url_path, default, visibility)
    made = _MADE.get(key)
    if made is None:
        made = st.Page(page.path, title=title, icon=page.icon, url_path=url_path, default=default,
                       visibility=visibility)  # fmt: skip
        with _MADE_LOCK:
            _MADE.setdefault(key, made)
    copied = object.__new__(type(made))  # copy.copy(made), without its dozen calls through copyreg
    copied.__dict__.update(made.__dict__)
    return copied
