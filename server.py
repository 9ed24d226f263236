"""What a server runs: dashboard.py as a Streamlit app (st.App), with the routes that hand a signed-in browser its
session cookie and clear it, and the security headers every response carries. `streamlit run server.py` (which
`python -m ui.serve` does) serves it; AppTest and `streamlit run dashboard.py` run the app without them.

The session cookie is set here, by the server, HttpOnly: no script on a page can read it. After a password sign-in
the page has the browser POST a one-time grant (ui/auth.py, access/sessions.py); the grant buys the cookie once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from metrics.access import limits, sessions
from ui import data

# What a page may load: its own scripts and styles (Streamlit's inline ones too), data: and blob: images (charts,
# downloads), its own websocket. No framing by other sites, no plugins, forms posting only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src 'self' blob: data:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response (the websocket has no headers to add)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        return await self.app(scope, receive, with_headers)


class SameOrigin:
    """Refuses a websocket or a POST to our routes sent by a page of another origin. Streamlit's own check lets in
    any port of localhost or of the machine's addresses, and browsers send a SameSite cookie to every port of a host:
    a page served from another port could otherwise drive a signed-in officer's session, or end it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        checked = scope["type"] == "websocket" or (
            scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith("/_pilot/")
        )
        if checked and not same_origin(Headers(scope=scope), scope.get("client")):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})  # before accept: a 403
            return await Response(status_code=403)(scope, receive, send)
        return await self.app(scope, receive, send)


def same_origin(headers: Headers, client: tuple | None) -> bool:
    """Whether a request's Origin (if it has one: browsers always send it here) is the host it was sent to, the Host
    header's or a trusted proxy's X-Forwarded-Host (scheme aside: a proxy may speak http to us for an https page)."""
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser's: no officer's cookies ride on it
    host = urlsplit(origin).netloc.lower()
    if not host or host == (headers.get("host") or "").lower():
        return bool(host)
    peer = client[0] if client else ""
    forwarded = headers.get("x-forwarded-host", "") if limits.trusted(peer, limits.trusted_proxies()) else ""
    return host == forwarded.split(",")[0].strip().lower() != ""


def _secure(request: Request) -> bool:
    """Whether the browser has the page over https (its own word, or a trusted proxy's X-Forwarded-Proto): the cookie
    is then Secure, sent over https only, and named __Host-."""
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "") if limits.trusted(peer, limits.trusted_proxies()) else ""
    return (request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"
            or request.headers.get("x-pilot-https") == "true")  # fmt: skip


def _cookie(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="strict", secure=secure)


def take_cookie(request: Request) -> Response:
    """POST with a sign-in's one-time grant: the session cookie (and the device cookie that gives this browser its
    own count of failed sign-ins), set HttpOnly; 403 for a grant unknown, used or expired."""
    grant = request.headers.get("x-pilot-grant", "")
    bought = sessions.redeem(data.database(), grant) if grant else None
    if bought is None:
        return Response(status_code=403)
    token, device, seconds = bought
    response, secure = Response(status_code=204), _secure(request)
    _cookie(response, sessions.cookie_name(secure), token, seconds, secure)
    _cookie(response, sessions.DEVICE_COOKIE, device, 90 * 24 * 3600, secure)
    return response


def clear_cookie(request: Request) -> Response:
    """POST at sign-out: the session its cookie holds ended (again: the page has ended it), the cookie cleared."""
    response = Response(status_code=204)
    for secure in (False, True):
        name = sessions.cookie_name(secure)
        if token := request.cookies.get(name):
            sessions.end_by_token(data.database(), token)
        if name in request.cookies:
            response.delete_cookie(name, path="/", httponly=True, samesite="strict", secure=secure)
    return response


ROUTES = [
    Route("/_pilot/session", take_cookie, methods=["POST"]),
    Route("/_pilot/sign-out", clear_cookie, methods=["POST"]),
]
app = st.App("dashboard.py", routes=ROUTES, middleware=[Middleware(SecurityHeaders), Middleware(SameOrigin)])
