"""Who is using the app in this session: local single-user mode, or someone signed in (password or st.login)."""

from __future__ import annotations

import json
import math
import os

import streamlit as st
from streamlit import config
from streamlit.errors import StreamlitSecretNotFoundError

from metrics.access import limits, sessions, sign_in
from metrics.access.accounts import accounts_configured
from metrics.domain.i18n import Text
from metrics.domain.programme import APP_NAME, APP_PURPOSE, SAMPLE_NOTICE
from metrics.domain.roles import ROLE_NAMES, Actor, local_actor
from metrics.store import accounts
from metrics.store.meta import is_sample

from . import data, run_slots, show, state

RUN_ACTOR = "_run_actor"  # who dashboard.py found at the start of this run (set before every page runs)
WRONG = Text("账户名或密码不正确。", "Wrong account name or password.")
WAIT = Text("尝试次数过多，请 {s} 秒后再试。", "Too many tries: wait {s} s, then try again.")
ENDED = Text(
    "您的登录已结束（已退出、改了密码或角色、长时间未使用），请重新登录。",
    "Your session has ended (signed out, a new password or role, or unused for a while); sign in again.",
)
LOCAL_MODE = Text(
    "本机单用户模式：尚未设置账户，能打开本页面的人都可修改数据。在“账户与备份”页添加第一个账户（管理员）后，"
    "所有人都需登录。",
    "Local single-user mode: no accounts are set up, so anyone who can open this page may change data. Add the "
    "first account (an admin) on the Accounts and backups page, and everyone signs in from then on.",
)


def provider_configured() -> bool:
    """Whether an identity provider is configured for st.login ([auth] in .streamlit/secrets.toml)."""
    secrets, held = st.secrets, _NO_SECRETS_FILE
    # Without a secrets file, Streamlit works out where to look (the option's default: a dozen system calls) and
    # opens each place again on every run; where the same secrets found none from the same folder, and none of those
    # files has appeared since, the answer is the same.
    if held and held[0] is secrets and held[1] == os.getcwd() and not any(map(os.path.exists, held[2])):
        return False
    try:
        return bool(secrets.get("auth"))
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        _NO_SECRETS_FILE[:] = [secrets, os.getcwd(), tuple(config.get_option("secrets.files"))]
        return False


_NO_SECRETS_FILE: list = []  # [the st.secrets that found no secrets file, from which folder, where it looked]


def actor(any_accounts: bool | None = None) -> Actor | None:
    """Who is using this session now, with their current role; None until someone signs in, and again once their
    session has ended on the server (signed out anywhere, a new password or role, idle, too old).

    `any_accounts` is whether any account exists, when the caller has just read it (dashboard.py, from the run's
    snapshot); anything else, such as a callback that writes, asks the database afresh.
    """
    database = data.database()
    if any_accounts is None:
        any_accounts = accounts_configured(database)
    provider = provider_configured()
    if not provider and not any_accounts:
        return local_actor()
    if provider and st.user.is_logged_in:
        email, verified = st.user.get("email"), st.user.get("email_verified")
        return sign_in.identity_actor(database, str(email) if email else None, verified if verified is None else
                                      bool(verified))  # fmt: skip
    session_id = st.session_state.get(_SESSION)
    if session_id is None and not st.session_state.get(_SIGNED_OUT):  # a reload: the browser's cookie, if it
        # still stands for a live session (never in the session that signed out: its cookies are as it began)
        token = st.context.cookies.get(sessions.cookie_name(_on_https()))  # over https only the __Host- one
        resumed = sessions.resume(database, token) if isinstance(token, str) and token else None
        if resumed is not None:
            st.session_state[_SESSION] = session_id = resumed[1]
    now = sessions.check(database, session_id) if session_id else None
    if session_id and now is None:  # ended on the server: this browser signs in again
        st.session_state.pop(_SESSION, None)
        st.session_state[_ENDED] = True
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


def _on_https() -> bool:
    """Whether this browser has the page over https (the address it shows, which is what its cookies follow)."""
    return (st.context.url or "").startswith("https:")


def sign_in_page() -> None:
    """The only page for someone not signed in: a password form, and the identity provider's button if configured."""
    lang = state.current_lang()
    t = lambda text: text(lang)  # noqa: E731
    st.title(t(APP_NAME))
    st.caption(t(APP_PURPOSE))
    if data.get(is_sample):
        st.info(t(SAMPLE_NOTICE), icon=":material/science:")
    st.subheader(t(Text("登录", "Sign in")))
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
    if not data.get(accounts.user_count):  # the run's cached count (a guess is a whole run too)
        return
    with st.form("sign_in", enter_to_submit=True):
        name = st.text_input(t(Text("账户名", "Account name")), key="sign_in_name", max_chars=64)
        password = st.text_input(t(Text("密码", "Password")), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t(Text("登录", "Sign in")), type="primary")
    if st.session_state.pop(_ENDED, False):
        st.info(t(ENDED))
    if submitted:
        attempt = sign_in_as(name, password)
        if attempt.actor is not None:
            st.rerun()
        st.error(t(WAIT.format(s=math.ceil(attempt.wait)) if attempt.wait else WRONG))


def client() -> sign_in.Client:
    """The browser signing in: its address (a trusted proxy's X-Forwarded-For believed, $PILOT_TRUSTED_PROXIES), its
    device cookie and user agent."""
    headers = st.context.headers
    address = limits.client_address(st.context.ip_address, headers.get("X-Forwarded-For"), limits.trusted_proxies())
    device = st.context.cookies.get(sessions.DEVICE_COOKIE)
    agent = headers.get("User-Agent")
    return sign_in.Client(str(address or ""), device if isinstance(device, str) else None,
                          agent if isinstance(agent, str) else "")  # fmt: skip


def sign_in_as(name: str, password: str) -> sign_in.Attempt:
    """Sign this session in with a name and password: a session the server knows, and (when sign-ins are remembered)
    its cookie handed to this browser on the next run."""
    who = client()
    attempt = sign_in.sign_in(data.database(), name, password, who, aside=run_slots.set_aside)
    if attempt.actor is not None:
        started = sessions.start(data.database(), attempt.actor, who.address, who.user_agent)
        st.session_state[_SESSION] = started.session_id
        st.session_state.pop(_SIGNED_OUT, None)
        if started.grant is not None:
            st.session_state[_HAND_OVER] = ("session", started.grant)
    return attempt


_SESSION = "_session_id"  # the server's session this Streamlit session is signed in with
_SIGNED_OUT = "_signed_out"
_ENDED = "_session_ended"  # the session ended on the server since the last run: the sign-in page says so
_HAND_OVER = "_hand_over"  # ("session", grant) or ("sign out", ""): what the browser asks the server for next run
ROUTES = {"session": "_pilot/session", "sign out": "_pilot/sign-out"}  # served by server.py beside the app


def hand_over() -> None:
    """Have the browser fetch its session cookie with the grant (or have it cleared), once it is decided: the server
    sets the cookie, HttpOnly, so that no script on the page can read it (call on every run)."""
    pending = st.session_state.pop(_HAND_OVER, None)
    if pending is None:
        return
    what, grant = pending
    url = json.dumps(ROUTES[what])
    st.html(
        f"""<script>fetch(new URL({url}, document.baseURI), {{method: "POST", credentials: "same-origin",
            headers: {{"X-Pilot-Grant": {json.dumps(grant)},
                      "X-Pilot-Https": String(location.protocol === "https:")}}}});</script>""",
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
    session_id = st.session_state.pop(_SESSION, None)
    if session_id:  # ended on the server: a copy of the cookie signs nobody in
        sessions.end(data.database(), session_id)
    st.session_state[_HAND_OVER] = ("sign out", "")  # and the browser's cookie is cleared
    st.session_state[_SIGNED_OUT] = True
    if who.via == "oidc":
        st.logout()
