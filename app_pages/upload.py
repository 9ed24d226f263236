"""Upload: templates, a file checked and previewed before anything is written, the history, undo."""

import functools
import hashlib

import streamlit as st

from metrics.domain.i18n import Problem, Text
from metrics.domain.programme import max_year
from metrics.domain.roles import Actor, local_actor
from metrics.ingest import templates, uploads
from metrics.present import exports, upload_tables
from metrics.store.series import year_span
from metrics.store.uploads import undoable_uploads
from ui import auth, data, show, state

PREVIEW_CELLS = 2000
UPLOAD_TYPES = (
    "csv",
    "txt",
    "xlsx",
    "xls",
    "xlsb",
    "ods",
)  # listed cell by cell; a 100,000-row file changes most of a million cells

v = state.view()
t, lang = v.t, v.lang
database = data.database()

st.title(t(Text("数据上传", "Upload figures")))
who = auth.require(
    "edit", Text("只有编辑和管理员可以上传或撤销数据。", "Only editors and admins may upload or undo figures.")
)


def _template(template_lang: str, year: int, fmt: str) -> bytes:
    with database.cursor() as cur:
        return templates.figures_template(cur, template_lang, year, fmt)


def _events_list() -> bytes:
    with database.cursor() as cur:
        return exports.csv_bytes(exports.export_frame(cur, "events"))


with st.expander(t(Text("下载空白模板", "Download a blank template")), expanded=False):
    first, last = data.get(year_span)
    years = list(range(max(last, max_year() - 1), first - 1, -1))
    year = st.selectbox(t(Text("模板年份", "Year of the template")), years, key="template_year")
    columns = st.columns(4)
    for column, (fmt, template_lang) in zip(columns, [("xlsx", "zh"), ("csv", "zh"), ("xlsx", "en"), ("csv", "en")],
                                            strict=True):  # fmt: skip
        column.download_button(
            f"{fmt.upper()} · {'中文表头' if template_lang == 'zh' else 'English headers'}",
            functools.partial(_template, template_lang, year, fmt),  # made when clicked
            file_name=f"pilot-figures-{year}-{template_lang}.{fmt}",
            mime=exports.MIME[fmt],
            key=f"template-{fmt}-{template_lang}",
            on_click="ignore",
        )
    st.download_button(
        t(Text("当前大事列表（CSV，可编辑后重新上传）", "The current events list (CSV, edit it and upload it again)")),
        functools.partial(_events_list),
        file_name="pilot-events.csv",
        mime=exports.MIME["csv"],
        key="events-list",
        on_click="ignore",
        icon=":material/event:",
    )
    st.caption(
        t(
            Text(
                "每行一个城市一个年份；空白、“-”、“无”、“N/A”表示未报送，不会覆盖已有数据。"
                "也可上传城市名单（cities 列），或大事列表（date、title_zh、title_en 列，整表替换原列表）。",
                "One row per city and year; blank, '-', 'N/A' mean not reported and never overwrite stored figures. "
                "A cities list (the cities columns) can be uploaded too, or an events list (date, title_zh, title_en; "
                "it replaces the whole list).",
            )
        )
    )


def _by() -> Actor | None:
    """Who is writing: the signed-in account, or in local mode the name typed in."""
    now = auth.actor()
    return local_actor(st.session_state.get("upload_by", "")) if now and now.via == "local" else now


def _confirm(shown: uploads.Prepared, content: bytes) -> None:
    # A callback, run before the page: it commits exactly the preview the officer saw, so a commit by someone
    # else since then is refused (Stale) and the page then shows the file checked again.
    try:
        st.session_state["upload_done"] = uploads.commit(database, shown, content, _by())
        st.session_state["upload_round"] += 1
    except uploads.Stale as exc:
        st.session_state["upload_stale"] = exc.text
    except Problem as exc:  # refused, forbidden, or the raw file could not be kept
        st.session_state["upload_refused"] = exc.text


uploaded = st.file_uploader(
    t(Text("选择文件（CSV、TXT，或 Excel .xlsx/.xls/.xlsb、WPS/LibreOffice .ods 工作簿）",
           "Choose a file (CSV, TXT, or an Excel .xlsx/.xls/.xlsb or .ods workbook)")),
    type=list(UPLOAD_TYPES),
    key=f"upload_file_{st.session_state.setdefault('upload_round', 0)}",  # a new key empties it after a commit
)  # fmt: skip
if uploaded is not None:
    content = uploaded.getvalue()
    # The officer picks the sheet when several hold tables; the choice is the file's own (keyed by its content).
    sheet_key = f"upload_sheet_{hashlib.sha256(content).hexdigest()[:16]}"
    prepared = data.prepared_upload(content, uploaded.name, st.session_state.get(sheet_key))
    if len(prepared.sheets) > 1:
        st.selectbox(
            t(Text("要读取的工作表", "Sheet to read")),
            prepared.sheets,
            index=None,
            placeholder=t(Text("请选择一个工作表", "Choose a sheet")),
            key=sheet_key,
        )
    report = prepared.report
    for note in report.read:
        st.info(show.escaped(note(lang)), icon=":material/table_view:")
    issues = upload_tables.issues_table(report, lang)
    if not report.ok:
        refused = Text(
            "文件有错误，未写入任何数据。请改正后重新上传。",
            "The file has errors; nothing was written. Correct them and upload it again.",
        )
        st.error(t(refused))
    if len(issues):
        show.table(issues, f"problems_{prepared.sha256[:8]}", key="issues")
    if report.ok and prepared.kind is not None:
        counts, labels = prepared.counts, prepared.kind.count_labels
        st.subheader(t(Text("将要做的改动", "What will change")))
        for column, (name, label) in zip(st.columns(len(labels)), labels.items(), strict=True):
            column.metric(t(label), counts[name])
        preview = upload_tables.changes_table(prepared, show.city_names(lang), lang, limit=PREVIEW_CELLS)
        if len(prepared.changes) > len(preview):
            st.caption(t(Text("共 {n:,} 个单元格，下表列出前 {m:,} 个（先列修改，再列新增）。",
                              "{n:,} cells in all; the first {m:,} are listed (changed first, then new).")).format(
                n=len(prepared.changes), m=len(preview)))  # fmt: skip
        if len(preview):
            show.table(
                preview, f"preview_{prepared.sha256[:8]}", key="preview", height=min(420, 38 + 35 * len(preview))
            )
        if who.via == "local":  # no accounts: ask for a name to record
            st.text_input(t(Text("上传人", "Uploaded by")), key="upload_by", max_chars=60)
        nothing = not any(n for name, n in counts.items() if name != "unchanged")
        st.button(t(Text("确认导入", "Confirm and load")), type="primary", disabled=nothing, key="upload_confirm",
                  on_click=_confirm, args=(prepared, content))  # fmt: skip
for name, show_message in (("upload_stale", st.warning), ("upload_refused", st.error)):
    if name in st.session_state:
        show_message(show.escaped(st.session_state.pop(name)(lang)))

if "upload_done" in st.session_state:
    done = Text("已导入，上传编号 {i}。各页面已显示新数据。", "Loaded as upload {i}; every page shows the new data.")
    st.success(t(done.format(i=st.session_state.pop("upload_done"))))

st.subheader(t(Text("上传记录", "Upload history")))
show.table(data.get(upload_tables.history, lang), "upload_history", key="history")
undoable = data.get(undoable_uploads)
if undoable:
    left, right = st.columns([2, 1])
    chosen = left.selectbox(t(Text("撤销上传", "Undo upload")), undoable, key="undo_id")
    right.write("")
    if right.button(t(Text("撤销", "Undo")), key="undo_button"):
        try:
            cells = uploads.undo(database, int(chosen), _by())
        except Problem as exc:
            st.error(show.escaped(exc.text(lang)))
        else:
            st.session_state["undo_done"] = (int(chosen), cells)
            st.rerun()
if "undo_done" in st.session_state:
    upload_id, cells = st.session_state.pop("undo_done")
    st.success(
        t(
            Text("已撤销上传 {i}，恢复了 {n} 个单元格。", "Undid upload {i}; {n} cells restored.").format(
                i=upload_id, n=cells
            )
        )
    )
