"""Who is using the app in this session: local single-user mode, or someone signed in (password or st.login)."""

from __future__ import annotations

import logging
import os
import time
import urllib.parse

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from metrics.domain.i18n import Text
from metrics.domain.roles import ROLE_NAMES, Actor, local_actor
from metrics.store import accounts

from . import data, show, state

_KEY = "_actor"  # the signed-in account; session state lives on the server, so a browser cannot set it
RUN_ACTOR = "_run_actor"  # who dashboard.py found at the start of this run (set before every page runs)
WRONG = Text("账户名或密码不正确。", "Wrong account name or password.")
LOCAL_MODE = Text(
    "本机单用户模式：尚未设置账户，能打开本页面的人都可修改数据。在“账户与备份”页添加第一个账户（管理员）后，"
    "所有人都需登录。",
    "Local single-user mode: no accounts are set up, so anyone who can open this page may change data. Add the "
    "first account (an admin) on the Accounts and backups page, and everyone signs in from then on.",
)


def provider_configured() -> bool:
    """Whether an identity provider is configured for st.login ([auth] in .streamlit/secrets.toml)."""
    try:
        return bool(st.secrets.get("auth"))
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def actor(any_accounts: bool | None = None) -> Actor | None:
    """Who is using this session now, with their current role; None until someone signs in.

    `any_accounts` is whether any account exists, when the caller has just read it (dashboard.py, from the run's
    snapshot); anything else, such as a callback that writes, asks the database afresh.
    """
    database = data.database()
    if any_accounts is None:
        any_accounts = accounts.accounts_configured(database)
    provider = provider_configured()
    if not provider and not any_accounts:
        return local_actor()
    if provider and st.user.is_logged_in:
        email, verified = st.user.get("email"), st.user.get("email_verified")
        return accounts.identity_actor(database, str(email) if email else None, verified if verified is None else
                                       bool(verified))  # fmt: skip
    kept = st.session_state.get(_KEY)
    if kept is None and not st.session_state.get(_SIGNED_OUT) and session_hours() > 0:  # a reload: the browser's
        # remembered sign-in, while it holds (never in the session that signed out: its cookies are as it began)
        token = st.context.cookies.get(COOKIE)
        kept = accounts.token_actor(database, urllib.parse.unquote(token)) if token else None
    now = accounts.current(database, kept) if kept else None  # a changed role or a removed account counts at once
    st.session_state[_KEY] = now
    return now


def require(ability: str, refusal: Text) -> Actor:
    """The person using this session, if they have the ability; otherwise the page shows `refusal` and stops.

    Pages a role may not use are not in its navigation; this refuses them too if reached some other way.
    """
    who = st.session_state.get(RUN_ACTOR) or actor()
    if who is not None and who.may(ability):
        return who
    st.error(refusal(state.current_lang()))
    st.stop()  # ends the run by raising
    raise AssertionError("st.stop() returned")


def sign_in_page() -> None:
    """The only page for someone not signed in: a password form, and the identity provider's button if configured."""
    lang = state.current_lang()
    t = lambda text: text(lang)  # noqa: E731
    st.title(t(Text("登录", "Sign in")))
    if provider_configured():
        if st.user.is_logged_in:  # signed in with the provider, but no account has that address
            st.warning(
                t(
                    Text(
                        "{e} 没有账户，请联系管理员添加。",
                        "{e} has no account here; ask an admin to add it.",
                    ).format(e=show.escaped(str(st.user.get("email") or "?")))
                )
            )
            st.button(t(Text("退出登录", "Sign out")), on_click=st.logout, key="provider_logout")
        else:
            st.button(t(Text("通过单位账号登录", "Sign in with your organisation")), on_click=st.login,
                      type="primary", key="provider_login")  # fmt: skip
    if not accounts.accounts_configured(data.database()):
        return
    with st.form("sign_in", enter_to_submit=True):
        name = st.text_input(t(Text("账户名", "Account name")), key="sign_in_name", max_chars=64)
        password = st.text_input(t(Text("密码", "Password")), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t(Text("登录", "Sign in")), type="primary")
    if submitted:
        if sign_in_as(name, password):
            st.rerun()
        time.sleep(1)  # slows guessing; argon2 already makes each try costly
        st.error(t(WRONG))


def sign_in_as(name: str, password: str) -> bool:
    """Sign this session in with a name and password (the failures counted for this browser's address); whether
    it worked."""
    signed_in = accounts.sign_in(data.database(), name, password, st.context.ip_address or "")
    if signed_in is not None:
        st.session_state[_KEY] = signed_in
        hours = session_hours()
        if hours > 0:  # remembered by this browser, so that a reload does not ask again
            token = accounts.session_token(data.database(), signed_in, hours)
            st.session_state[_COOKIE_PENDING] = (urllib.parse.quote(token, safe=""), int(hours * 3600))
    return signed_in is not None


COOKIE = "pilot_session"
_SIGNED_OUT = "_signed_out"
_COOKIE_PENDING = "_cookie_pending"  # (value, seconds) to set in the browser on the next run; ("", 0) clears it
DEFAULT_SESSION_HOURS = 8.0  # a working day


def session_hours() -> float:
    """How long a browser stays signed in across reloads: $PILOT_SESSION_HOURS (default 8; 0: never remembered)."""
    raw = os.environ.get("PILOT_SESSION_HOURS")
    try:
        return max(float(raw), 0.0) if raw else DEFAULT_SESSION_HOURS
    except ValueError:
        logging.getLogger(__name__).warning("PILOT_SESSION_HOURS=%r is not a number; using %s", raw,
                                            DEFAULT_SESSION_HOURS)  # fmt: skip
        return DEFAULT_SESSION_HOURS


def write_cookie() -> None:
    """Set (or clear) the remembered sign-in in the browser, once it has been decided (call on every run)."""
    pending = st.session_state.pop(_COOKIE_PENDING, None)
    if pending is None:
        return
    value, seconds = pending
    secure = ' + (location.protocol === "https:" ? "; Secure" : "")'
    st.html(
        f'<script>document.cookie = "{COOKIE}={value}; max-age={seconds}; path=/; SameSite=Strict"{secure};</script>',
        unsafe_allow_javascript=True,
    )


def sidebar(who: Actor, lang: str) -> None:
    """Who is signed in and a sign-out button, or the local-mode notice."""
    if who.via == "local":
        st.sidebar.caption(LOCAL_MODE(lang))
        return
    role = ROLE_NAMES[who.role](lang)
    signed_in = Text("已登录：{n}（{r}）", "Signed in as {n} ({r})").format(n=show.escaped(who.name), r=role)
    st.sidebar.caption(signed_in(lang))
    st.sidebar.button(Text("退出登录", "Sign out")(lang), on_click=_sign_out, args=(who,), key="sign_out",
                      type="tertiary", icon=":material/logout:")  # fmt: skip


def _sign_out(who: Actor) -> None:
    st.session_state.pop(_KEY, None)
    st.session_state[_COOKIE_PENDING] = ("", 0)  # this browser forgets it too
    st.session_state[_SIGNED_OUT] = True
    if who.via == "oidc":
        st.logout()
