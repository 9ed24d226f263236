"""Upload: templates, a file checked and previewed before anything is written, the history, undo."""

import functools

import streamlit as st

from metrics.domain.i18n import Problem, Text
from metrics.domain.programme import max_year
from metrics.domain.roles import Actor, local_actor, shown_name
from metrics.ingest import batch, templates, uploads
from metrics.ingest.reader import is_archive
from metrics.present import exports, round_tables, upload_tables
from ui import auth, data, show, state, stored, writes

PREVIEW_CELLS = 2000
UPLOAD_TYPES = (
    "csv",
    "txt",
    "xlsx",
    "xls",
    "xlsb",
    "ods",
    "zip",  # of such files: a round's forms back
)
MAX_ISSUE_LISTS = 20  # refused files of a batch listed with their problems in full

v = state.view()
t, lang = v.t, v.lang

st.title(t(Text("数据上传", "Upload figures")))
who = auth.require(
    "edit", Text("只有编辑和管理员可以上传或撤销数据。", "Only editors and admins may upload or undo figures.")
)


TEMPLATES = {  # what a template holds: (its maker, its file name's stem, its buttons' caption)
    "figures": (templates.figures_template, "pilot-figures", Text(
        "数据模板：每行一个城市一个年份；空白、“-”、“无”、“N/A”表示未报送，不会覆盖已有数据。",
        "Figures template: one row per city and year; blank, '-', 'N/A' mean not reported and never overwrite stored "
        "figures.")),
    "targets": (templates.targets_template, "pilot-targets", Text(
        "目标模板：每个试点、每项指标一行，填入该年的目标值，像数据一样上传。",
        "Targets template: a row per pilot and indicator; fill in the year's targets and upload it like figures.")),
}  # fmt: skip


with st.expander(t(Text("下载空白模板", "Download a blank template")), expanded=False):
    first, last = data.span()
    years = list(range(max(last, max_year() - 1), first - 1, -1))
    year = st.selectbox(t(Text("模板年份", "Year of the template")), years, key="template_year")
    for kind, (_, stem, caption) in TEMPLATES.items():
        st.caption(t(caption))
        for column, (fmt, template_lang) in zip(st.columns(4), [("xlsx", "zh"), ("csv", "zh"), ("xlsx", "en"),
                                                                ("csv", "en")], strict=True):  # fmt: skip
            column.download_button(
                f"{fmt.upper()} · {'中文表头' if template_lang == 'zh' else 'English headers'}",
                functools.partial(data.make, v, TEMPLATES[kind][0], template_lang, year, fmt),  # made when clicked
                file_name=f"{stem}-{year}-{template_lang}.{fmt}",
                mime=exports.MIME[fmt],
                key=f"template-{kind}-{fmt}-{template_lang}",
                on_click="ignore",
            )
    st.download_button(
        t(Text("当前大事列表（CSV，可编辑后重新上传）", "The current events list (CSV, edit it and upload it again)")),
        functools.partial(data.make, v, exports.events_csv),
        file_name="pilot-events.csv",
        mime=exports.MIME["csv"],
        key="events-list",
        on_click="ignore",
        icon=":material/event:",
    )
    st.caption(
        t(
            Text(
                "也可上传城市名单（cities 列），或大事列表（date、title_zh、title_en 列，整表替换原列表）。",
                "A cities list (the cities columns) can be uploaded too, or an events list (date, title_zh, title_en; "
                "it replaces the whole list).",
            )
        )
    )


if who.via == "local":  # no accounts: the name recorded with every upload and undo, asked once for the page
    if "upload_by" not in st.session_state and "_officer_name" in st.session_state:
        st.session_state["upload_by"] = st.session_state["_officer_name"]  # kept across pages (widget state is not)
    st.text_input(
        t(Text("您的姓名（记入上传与撤销记录）", "Your name (recorded with each upload and undo)")),
        value=st.session_state.get("upload_by", ""),
        key="upload_by",
        max_chars=60,
        on_change=lambda: st.session_state.update(_officer_name=st.session_state["upload_by"]),
    )


def _by() -> Actor | None:
    """Who is writing: the signed-in account, or in local mode the name typed in."""
    now = auth.actor()
    return local_actor(st.session_state.get("upload_by", "")) if now and now.via == "local" else now


def _confirm(shown: uploads.Prepared, content: bytes) -> None:
    # A callback, run before the page: it commits exactly the preview the officer saw, so a commit by someone
    # else since then is refused (Stale) and the page then shows the file checked again.
    try:
        st.session_state["upload_done"] = writes.write("edit", uploads.commit, shown, content, by=_by())
        st.session_state["upload_round"] += 1
        st.session_state.pop("undo_id", None)  # the undo list starts again at the newest upload
    except uploads.Stale as exc:
        st.session_state["upload_stale"] = exc.text
    except Problem as exc:  # refused, forbidden, or the raw file could not be kept
        st.session_state["upload_refused"] = exc.text


uploaded = st.file_uploader(
    t(Text("选择文件，可多选（CSV、TXT，Excel .xlsx/.xls/.xlsb、WPS/LibreOffice .ods 工作簿，或这些文件的 zip 压缩包）",
           "Choose files, several at once if you like (CSV, TXT, Excel .xlsx/.xls/.xlsb or .ods workbooks, or a zip "
           "of them)")),
    type=list(UPLOAD_TYPES),
    accept_multiple_files=True,
    key=f"upload_file_{st.session_state.setdefault('upload_round', 0)}",  # a new key empties it after a commit
)  # fmt: skip
files = [(f.name, f.getvalue()) for f in uploaded or ()]


def _record_refusal(prepared: uploads.Prepared) -> None:
    """A refused file is recorded once for the collection round's tracker (its figures write nothing)."""
    recorded = st.session_state.setdefault("_refusals_recorded", set())
    if prepared.attempt_key not in recorded:
        try:
            writes.write("edit", uploads.record_refusal, prepared, by=_by())
        except Problem as exc:
            st.warning(show.escaped(exc.text(lang)))
        recorded.add(prepared.attempt_key)


def _single(content: bytes, name: str) -> None:
    """One file (a workbook with several table sheets is a batch): its problems, or the changes it would make, and
    a confirm button."""
    prepared = data.prepared_upload(content, name, None)
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
        _record_refusal(prepared)
    if len(issues):
        show.table(issues, f"problems_{prepared.sha256[:8]}", key="issues", wrap=True, named=False)
    if report.ok and prepared.kind is not None:
        counts, labels = prepared.counts, prepared.kind.count_labels
        st.subheader(t(Text("将要做的改动", "What will change")))
        for column, (name, label) in zip(st.columns(len(labels)), labels.items(), strict=True):
            column.metric(t(label), counts[name])
        preview = upload_tables.changes_table(prepared, show.city_names(v), lang, limit=PREVIEW_CELLS)
        if len(prepared.changes) > len(preview):
            st.caption(t(Text("共 {n:,} 个单元格，下表列出前 {m:,} 个（先列修改，再列新增）。",
                              "{n:,} cells in all; the first {m:,} are listed (changed first, then new).")).format(
                n=len(prepared.changes), m=len(preview)))  # fmt: skip
        if len(preview):
            show.table(
                preview,
                f"preview_{prepared.sha256[:8]}",
                key="preview",
                height=min(420, 38 + 35 * len(preview)),
                named=False,
            )
        nothing = not any(n for name, n in counts.items() if name != "unchanged")
        if nothing:
            st.info(t(Text("文件中的数值均已在库中，导入不会有任何改动。",
                           "Every value in the file is stored already: loading it would change nothing.")))  # fmt: skip
        st.button(t(Text("确认导入", "Confirm and load")), type="primary", disabled=nothing, key="upload_confirm",
                  on_click=_confirm, args=(prepared, content))  # fmt: skip


def _load_batch(outcomes: list[batch.Outcome], chosen: list[batch.Outcome]) -> None:
    # A callback: loads the chosen files, each its own upload, every file checked again against the data the ones
    # before it wrote; a file whose new check shows something the officer has not seen waits for a look. All the
    # batch's outcomes stay listed until the next drop (those not chosen can still be loaded).
    try:
        writes.write("edit", batch.load_passed, chosen, by=_by(), review=True)
    except Problem as exc:
        st.session_state["upload_refused"] = exc.text
        return
    st.session_state["upload_batch_done"] = outcomes
    st.session_state["upload_round"] += 1
    st.session_state.pop("undo_id", None)


BATCH_COUNTS = (  # the batch's summary, a count of each outcome (each file counted once)
    ("loaded", Text("{n} 个已导入", "{n} loaded")),
    ("ready", Text("{n} 个通过检查、可导入", "{n} passed, ready to load")),
    ("warned", Text("{n} 个通过检查但有提醒、待您决定", "{n} passed with warnings, for you to decide")),
    ("unchanged", Text("{n} 个无改动（数值已在库中，不导入）", "{n} unchanged (their values are stored already)")),
    ("review", Text("{n} 个重新检查后不同、需核对（未导入）", "{n} checked again, different: to review (not loaded)")),
    ("refused", Text("{n} 个被拒绝", "{n} refused")),
    ("unread", Text("{n} 个未读取", "{n} not read")),
)


def _batch(outcomes: list[batch.Outcome], done: bool) -> None:
    """Many files: each with its pilot, status and problems; one click loads the files that passed without
    warnings, those with warnings are listed apart and loaded only when ticked."""
    if not done:
        for outcome in outcomes:
            if not outcome.prepared.report.ok and outcome.status != "unread":
                _record_refusal(outcome.prepared)
    counted = batch.counts(outcomes)
    if done and counted["loaded"]:
        loaded = [o.upload_id for o in outcomes if o.upload_id is not None]
        st.success(
            t(
                Text(
                    "已导入 {n} 个文件（上传 {i}），每个文件可单独撤销。",
                    "Loaded {n} file(s) (upload(s) {i}); each can be undone on its own.",
                )
            ).format(n=len(loaded), i=", ".join(map(str, loaded)))
        )
    warned = batch.with_warnings(outcomes)
    counted = {**counted, "ready": counted["ready"] - len(warned), "warned": len(warned)}
    parts = [t(text).format(n=counted[s]) for s, text in BATCH_COUNTS if counted[s]]
    st.markdown(
        t(Text("**{n} 个文件**：{p}。", "**{n} files**: {p}.")).format(
            n=sum(counted.values()), p=("，" if lang == "zh" else ", ").join(parts)
        )
    )
    table = round_tables.batch_table(outcomes, show.city_names(v), lang)
    show.table(
        table,
        "upload-batch",
        key="batch",
        named=False,
        column_config={t(Text("问题", "Problems")): st.column_config.TextColumn(width="large")},
    )
    to_review = [o for o in outcomes if o.status == "review"]
    refused = [o for o in outcomes if o.status in ("refused", "unread")]
    told = [o for o in outcomes if o.prepared.report.read or o.prepared.report.issues]
    passed = [o for o in told if o.status in ("ready", "unchanged", "loaded") and not any(o is w for w in warned)]
    listed = [*to_review, *refused, *passed][:MAX_ISSUE_LISTS]
    _details(listed[: len(to_review) + len(refused)], refused)  # what needs the officer, before the buttons
    clean = [o for o in outcomes if o.status == "unchanged" or (o.status == "ready" and not o.warnings)]
    if counted["ready"]:
        st.button(
            t(Text("导入无提醒的 {n} 个文件", "Load the files without warnings ({n})")).format(n=counted["ready"]),
            type="primary",
            key="upload_batch_confirm",
            on_click=_load_batch,
            args=(outcomes, clean),
        )
    if to_review:
        st.button(
            t(Text("核对无误，导入重新检查的 {n} 个文件", "Reviewed: load the files checked again ({n})")).format(
                n=len(to_review)
            ),
            type="primary",
            key="upload_batch_review_confirm",
            on_click=_load_batch,
            args=(outcomes, to_review),
        )
    if warned:
        _with_warnings(outcomes, warned)
    _details(listed[len(to_review) + len(refused) :], refused, first=len(to_review) + len(refused))


def _details(outcomes: list[batch.Outcome], refused: list[batch.Outcome], first: int = 0) -> None:
    """Each file's expander: why it waits or was refused, how it was read, its issues whole, its changes."""
    for k, outcome in enumerate(outcomes, start=first):
        reviewing, refusing = outcome.status == "review", any(outcome is r for r in refused)
        title = (Text("{f}：已重新检查，请核对", "{f}: checked again, review it") if reviewing
                 else Text("{f}：需改正的问题", "{f}: what to fix") if refusing
                 else Text("{f}：如何读取、提醒与改动", "{f}: how it was read, its warnings and changes"))  # fmt: skip
        with st.expander(t(title).format(f=outcome.prepared.file_name), expanded=reviewing):
            why = batch.REVIEW.format(d=batch.differences(outcome)) if reviewing else outcome.refusal
            if why is not None:
                st.warning(show.escaped(why(lang)))
            for note in outcome.prepared.report.read:
                st.info(show.escaped(note(lang)), icon=":material/table_view:")
            issues = upload_tables.issues_table(outcome.prepared.report, lang)
            if len(issues):
                st.table(issues, hide_index=True)
            if not refusing:
                preview = upload_tables.changes_table(outcome.prepared, show.city_names(v), lang, PREVIEW_CELLS)
                if len(preview):
                    show.table(preview, f"changes_{outcome.prepared.sha256[:8]}", key=f"batch_changes_{k}", named=False)


ALSO_LOAD = Text("同时导入勾选的 {n} 个有提醒的文件", "Also load the ticked files with warnings ({n})")
WARNED = Text("有提醒的 {n} 个文件：请先查看", "{n} files with warnings: look before loading them")
WARNED_HOW = Text(
    "这些文件通过了检查，但有值得核对的提醒（如与上年相比变化很大、单位已换算）。勾选核对无误的文件再导入；"
    "未勾选的不会导入。",
    "These files passed their checks but have warnings worth a look (a large jump on last year, a unit converted …). "
    "Tick the files you have checked to load them; the others are not loaded.",
)


def _tick_all(keys: list[str]) -> None:
    st.session_state.update(dict.fromkeys(keys, st.session_state["load_warned_all"]))


def _with_warnings(outcomes: list[batch.Outcome], warned: list[batch.Outcome]) -> None:
    """The files that passed with warnings, apart: each with its warnings in full and a box to tick, and a button
    that loads the ticked ones only."""
    st.subheader(t(WARNED).format(n=len(warned)))
    st.caption(t(WARNED_HOW))
    keys = [f"load_warned_{o.prepared.sha256[:16]}_{o.sheet or ''}_{o.prepared.file_name}" for o in warned]
    st.checkbox(t(Text("全部勾选", "Tick them all")), key="load_warned_all", on_change=_tick_all, args=(keys,))
    names = show.city_names(v)
    for k, (outcome, key) in enumerate(zip(warned, keys, strict=True)):
        code, year = outcome.prepared.pilot
        pilot = f" · {names.get(code, code)} {year or ''}" if code else ""
        with st.container(border=True):
            st.markdown(f"**{show.escaped(outcome.prepared.file_name)}**{show.escaped(pilot)}")
            st.markdown("\n".join(f"- {show.escaped(round_tables.issue_text(i, lang))}" for i in outcome.warnings))
            for note in outcome.prepared.report.read:
                st.caption(show.escaped(note(lang)))
            with st.expander(t(Text("将要做的改动", "What will change"))):
                preview = upload_tables.changes_table(outcome.prepared, names, lang, PREVIEW_CELLS)
                show.table(preview, f"changes_{outcome.prepared.sha256[:8]}", key=f"warned_changes_{k}", named=False)
            st.checkbox(t(Text("已核对，导入此文件", "Checked: load this file")), key=key)
    ticked = [o for o, key in zip(warned, keys, strict=True) if st.session_state.get(key)]
    st.button(
        t(ALSO_LOAD).format(n=len(ticked)),
        key="upload_batch_warned_confirm",
        disabled=not ticked,
        on_click=_load_batch,
        args=(outcomes, ticked),
    )


def _stands_for_sheets(content: bytes, name: str) -> bool:
    """Whether one dropped file is a workbook whose several sheets hold tables (each a file of a batch)."""
    return not is_archive(content) and batch.stands_for_sheets(data.prepared_upload(content, name, None))


if len(files) == 1 and not is_archive(files[0][1]) and not _stands_for_sheets(files[0][1], files[0][0]):
    st.session_state.pop("upload_batch_done", None)
    _single(files[0][1], files[0][0])
elif files:
    st.session_state.pop("upload_batch_done", None)
    _batch(data.checked_batch(files), done=False)
elif "upload_batch_done" in st.session_state:
    _batch(st.session_state["upload_batch_done"], done=True)
for name, show_message in (("upload_stale", st.warning), ("upload_refused", st.error)):
    if name in st.session_state:
        show_message(show.escaped(st.session_state.pop(name)(lang)))

if "upload_done" in st.session_state:
    done = Text("已导入，上传编号 {i}。各页面已显示新数据。", "Loaded as upload {i}; every page shows the new data.")
    st.success(t(done.format(i=st.session_state.pop("upload_done"))))

st.subheader(t(Text("上传记录", "Upload history")))
show.table(data.read(v, upload_tables.history, lang), "upload_history", key="history")
undoable = data.read(v, stored.undoable_uploads)
if undoable:
    made = data.read(v, stored.upload_history).set_index("upload_id")

    def _named(upload_id: int) -> str:
        """An upload as the undo list names it: its number, file, time and who loaded it."""
        if upload_id not in made.index:
            return str(upload_id)
        u = made.loc[upload_id]
        by = shown_name(u["created_by"], lang)
        return f"{upload_id} · {u['file_name']} · {u['created_at']:%Y-%m-%d %H:%M} · {by}"

    left, right = st.columns([2, 1])
    chosen = left.selectbox(t(Text("撤销上传", "Undo upload")), undoable, format_func=_named, key="undo_id")
    right.write("")
    if right.button(t(Text("撤销…", "Undo…")), key="undo_button"):
        st.session_state["undo_pending"] = int(chosen)
    pending = st.session_state.get("undo_pending")
    if pending is not None and pending in undoable:
        by = shown_name((_by() or who).name, lang)
        st.warning(t(Text("确认撤销上传 {u}？它改动的每个单元格都将恢复原值；撤销会记入上传记录（记录人：{b}）。",
                          "Undo upload {u}? Every cell it changed goes back to its old value; the undo is recorded "
                          "in the history (by {b}).")).format(u=_named(pending), b=by))  # fmt: skip
        yes, no, _ = st.columns([1, 1, 3])
        if yes.button(t(Text("确认撤销", "Undo it")), type="primary", key="undo_confirm"):
            st.session_state.pop("undo_pending")
            try:
                cells = writes.write("edit", uploads.undo, pending, by=_by())
            except Problem as exc:
                st.error(show.escaped(exc.text(lang)))
            else:
                st.session_state["undo_done"] = (pending, cells)
                st.rerun()
        if no.button(t(Text("取消", "Cancel")), key="undo_cancel"):
            st.session_state.pop("undo_pending")
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
