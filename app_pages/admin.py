"""Accounts and backups (admins only): who may sign in with which role; back up and restore the database."""

import streamlit as st

from metrics.access import accounts
from metrics.domain.i18n import Problem, Refused, Text
from metrics.domain.roles import ROLE_NAMES, ROLES
from metrics.present import admin_tables
from ui import auth, data, show, state, stored, writes

try:
    HOURS, KEEP = stored.backup_schedule()
except stored.BackupError:  # the banner above every page says which setting is wrong
    HOURS, KEEP = 0.0, stored.DEFAULT_KEEP

v = state.view()
t, lang = v.t, v.lang

st.title(t(Text("账户与备份", "Accounts and backups")))
who = auth.require("admin", Text("只有管理员可以管理账户和备份。", "Only admins may manage accounts and backups."))


def _done(message: Text) -> None:
    st.session_state["admin_done"] = message
    st.rerun()


def _attempt(action, *args, done: Text, **options) -> None:
    try:
        writes.write("admin", action, *args, by=who, **options)
    except Refused as exc:
        st.error(show.escaped(exc.text(lang)))
    else:
        _done(done)


if "admin_done" in st.session_state:
    st.success(show.escaped(t(st.session_state.pop("admin_done"))))  # it names accounts

st.subheader(t(Text("账户", "Accounts")))
users = data.read(v, stored.list_users)  # cached until the data or the accounts change
if users.empty:
    st.info(
        t(
            Text(
                "尚无账户，应用以本机单用户模式运行。添加第一个账户（须为管理员）后，所有人都需登录。",
                "No accounts yet: the app runs in local single-user mode. Once the first account (an admin) is added, "
                "everyone must sign in.",
            )
        )
    )
else:
    show.table(data.read(v, admin_tables.users, lang), "accounts", key="accounts", named=False)
    if (notice := accounts.exact_names_notice(users)) is not None:
        st.warning(show.escaped(t(notice)))

role_label = lambda r: ROLE_NAMES[r](lang)  # noqa: E731
PROVIDER = Text(
    "通过单位身份提供方登录（无密码）", "Signs in through the organisation's identity provider (no password)"
)
with (
    st.expander(t(Text("添加账户", "Add an account")), expanded=users.empty),
    # a new form after each account added, so a failed add keeps what was typed and a done one starts empty
    st.form(f"add_account_{st.session_state.setdefault('admin_added', 0)}"),
):
    name = st.text_input(t(Text("账户名（或电子邮件）", "Account name (or e-mail)")), max_chars=64)
    first_admin = 2 if users.empty else 0  # the first account must be an admin
    role = st.selectbox(t(Text("角色", "Role")), ROLES, format_func=role_label, index=first_admin)
    provider = st.checkbox(t(PROVIDER), disabled=not auth.provider_configured())
    password = st.text_input(t(Text("密码（至少 8 个字符）", "Password (8 characters or more)")), type="password")
    again = st.text_input(t(Text("再输入一次密码", "Password again")), type="password")
    if st.form_submit_button(t(Text("添加", "Add")), type="primary"):
        if not provider and password != again:
            st.error(t(Text("两次输入的密码不一致。", "The two passwords differ.")))
        else:
            try:
                writes.write("admin", accounts.add_user, name, role, None if provider else password, by=who)
            except Refused as exc:
                st.error(show.escaped(exc.text(lang)))
            else:
                st.session_state["admin_added"] += 1
                done = Text("已添加账户 {n}。", "Added the account {n}.").format(n=name.strip())
                if users.empty and not provider and auth.sign_in_as(name, password).actor:  # the first admin: signed in
                    done = Text("已添加账户 {n}，并已以该账户登录；从现在起所有人都需登录。",
                                "Added the account {n}, and signed you in as it; everyone signs in from now on."
                                ).format(n=name.strip())  # fmt: skip
                _done(done)

if not users.empty:
    with st.expander(t(Text("修改或删除账户", "Change or remove an account"))):
        chosen = st.selectbox(t(Text("账户", "Account")), users["name"].tolist(), key="admin_account")
        current = users.set_index("name").at[chosen, "role"]
        left, right = st.columns(2)
        new_role = left.selectbox(t(Text("新角色", "New role")), ROLES, format_func=role_label,
                                  index=ROLES.index(current), key="admin_role")  # fmt: skip
        if left.button(t(Text("更改角色", "Change role")), key="admin_set_role"):
            done = Text("{n} 的角色已改为{r}。", "{n} is now {r}.").format(n=chosen, r=ROLE_NAMES[new_role])
            _attempt(accounts.set_role, chosen, new_role, done=done)
        new_password = right.text_input(t(Text("新密码", "New password")), type="password", key="admin_password")
        if right.button(t(Text("设置密码", "Set password")), key="admin_set_password"):
            _attempt(accounts.set_password, chosen, new_password, device=auth.client().device,  # one's own: kept
                     done=Text("已为 {n} 设置新密码。", "Set a new password for {n}.").format(n=chosen))  # fmt: skip
        sure = st.checkbox(t(Text("确认删除此账户", "Yes, remove this account")), key="admin_remove_sure")
        if st.button(t(Text("删除账户", "Remove account")), disabled=not sure, key="admin_remove"):
            done = Text("已删除账户 {n}。", "Removed the account {n}.").format(n=chosen)
            _attempt(accounts.remove_user, chosen, done=done)

st.subheader(t(Text("登录会话", "Signed-in sessions")))
# read afresh (a session ends or starts without a new data version); none without accounts: nobody signs in
running = stored.active_sessions() if not users.empty else None
if running is None or running.empty:
    st.caption(t(Text("目前没有以密码登录的会话。", "No one is signed in with a password now.")))
else:
    show.table(admin_tables.sessions(running, lang), "sessions", key="sessions", named=False)
    left, right = st.columns(2)
    ending = left.selectbox(t(Text("结束会话", "End a session")), running["session_id"].tolist(), key="admin_session",
                            format_func=lambda s: admin_tables.session_label(running, s))  # fmt: skip
    if left.button(t(Text("结束此会话", "End this session")), key="admin_end_session"):
        writes.write("admin", writes.end_session, ending, by=who)
        _done(Text("会话已结束。", "The session has ended."))
    everywhere = right.selectbox(t(Text("账户", "Account")), sorted(set(running["account"])), key="admin_everywhere")
    if right.button(
        t(Text("让该账户在所有地方退出登录", "Sign this account out everywhere")), key="admin_everywhere_go"
    ):
        signed_out = Text("{n} 已在所有地方退出登录。", "{n} is signed out everywhere.").format(n=everywhere)
        _attempt(accounts.sign_out_everywhere, everywhere, done=signed_out)

st.subheader(t(Text("备份", "Backups")))
folder = stored.backup_folder()
st.caption(
    t(
        Text(
            "备份保存在 {d}；{s}每次备份包含全部数据表、账户和原始上传文件。",
            "Backups are kept in {d}; {s}each holds every table, the accounts and the raw uploaded files.",
        ).format(
            d=show.escaped(str(folder)),
            s=Text(
                "每 {h} 小时自动备份一次，保留最近 {k} 份；", "one is taken every {h} hours and the newest {k} kept; "
            ).format(h=f"{HOURS:g}", k=KEEP)
            if HOURS > 0
            else Text(
                "未设置定时备份（由服务器管理员在部署时开启）；",
                "no scheduled backups (the server's administrator turns them on when deploying); ",
            ),
        )
    )
)
if st.button(t(Text("立即备份", "Back up now")), icon=":material/backup:", key="backup_now"):
    try:
        path, manifest = writes.write("admin", writes.back_up, KEEP, by=who)
    except Problem as exc:  # a full disk, an unusable backup key
        st.error(show.escaped(exc.text(lang)))
    else:
        _done(Text("已备份到 {p}（{r} 行）。", "Backed up to {p} ({r} rows).").format(p=path, r=manifest.rows))


def _offer_restore(chosen_backup: str, checked: stored.Checked) -> None:
    """What restoring the chosen backup does (where it is from, the accounts), the confirmations, the button."""
    changes = checked.accounts
    if not checked.signed:
        st.warning(show.escaped(t(checked.signature_text())))
    (st.warning if changes.admins or changes.none_left else st.info)(show.escaped(t(changes.text())))
    admins = changes.admins_text()
    if admins is not None:
        st.error(show.escaped(t(admins)))
    if not users.empty and changes.none_left:
        st.error(
            t(
                Text(
                    "此备份中没有账户：恢复后应用将以本机单用户模式运行，任何能打开页面的人都可修改数据。",
                    "This backup has no accounts: once restored, the app runs in local single-user mode and "
                    "anyone who can open it may change data.",
                )
            )
        )
    elsewhere = checked.signed or st.checkbox(
        t(
            Text(
                "此备份是在别处（或在备份开始签名之前）制作的；我确知它的来源，并已看过上面的账户变化",
                "This backup was made elsewhere (or before backups were signed); I know where it came from and "
                "have read what it does to the accounts, above",
            )
        ),
        key="restore_foreign",
    )
    sure = st.checkbox(t(Text("确认用此备份替换当前数据", "Yes, replace the current data with this backup")),
                       key="restore_sure")  # fmt: skip
    if not users.empty:
        st.caption(t(Text("恢复会让所有人（包括您）退出登录。", "Restoring signs everyone out, you too.")))
    if st.button(t(Text("恢复", "Restore")), disabled=not (sure and elsewhere), type="primary",
                 key="restore_button"):  # fmt: skip
        try:
            safety, restored = writes.write("admin", writes.restore_backup, chosen_backup, KEEP, by=who,
                                            foreign=not checked.signed, expected_accounts=changes)  # fmt: skip
        except Problem as exc:
            st.error(show.escaped(exc.text(lang)))
        else:
            _done(
                Text(
                    "已恢复 {b} 的备份（{r} 行）；恢复前的数据已备份为 {s}。所有人（包括您）都已退出登录。",
                    "Restored the backup of {b} ({r} rows); the data before it is backed up as {s}. Everyone, you "
                    "too, was signed out.",
                ).format(b=chosen_backup, r=restored.manifest.rows, s=safety.name)
            )


kept = stored.kept()
if kept:
    show.table(admin_tables.backups_table(kept, lang), "backups", key="backups", named=False)
    with st.expander(t(Text("从备份恢复", "Restore from a backup"))):
        st.warning(
            t(
                Text(
                    "恢复会用备份替换全部数据、上传记录和账户。恢复前会先自动备份当前数据，以便需要时找回。",
                    "Restoring replaces all figures, the upload history and the accounts with the backup's. The "
                    "current data is backed up first, so it can be brought back if needed.",
                )
            )
        )
        names = [path.name for path, _ in kept]
        chosen_backup = st.selectbox(t(Text("备份", "Backup")), names, key="restore_choice")
        try:  # quick: its manifest, signature and accounts (a restore checks every file again first)
            checked = stored.check_backup(chosen_backup)
        except Problem as exc:  # damaged, or of another schema: no restoring it
            st.error(show.escaped(exc.text(lang)))
        else:
            _offer_restore(chosen_backup, checked)
