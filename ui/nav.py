"""The dashboard's pages: file, URL, title, icon and who may open them (dashboard.py builds the navigation)."""

from metrics.i18n import Text

# (file, URL, title, icon, who may open it: an ability of metrics.access)
PAGES = (
    ("app_pages/overview.py", "overview", Text("项目概览", "Overview"), ":material/dashboard:", "view"),
    ("app_pages/city.py", "city", Text("城市画像", "City profile"), ":material/location_city:", "view"),
    ("app_pages/compare.py", "compare", Text("城市对比", "Compare"), ":material/compare_arrows:", "view"),
    ("app_pages/map.py", "map", Text("分布图", "Map"), ":material/scatter_plot:", "view"),
    ("app_pages/completeness.py", "completeness", Text("报送完整性", "Data completeness"), ":material/fact_check:",
     "view"),
    ("app_pages/deck.py", "deck", Text("演示文稿", "Deck"), ":material/slideshow:", "view"),
    ("app_pages/upload.py", "upload", Text("数据上传", "Upload"), ":material/upload_file:", "edit"),
    ("app_pages/admin.py", "admin", Text("账户与备份", "Accounts and backups"), ":material/admin_panel_settings:",
     "admin"),
    ("app_pages/about.py", "about", Text("指标说明", "About"), ":material/info:", "view"),
    ("app_pages/present.py", "present", Text("放映", "Present"), ":material/present_to_all:", "view"),
)  # fmt: skip
HIDDEN = {"present"}  # reached from the deck page, not listed
