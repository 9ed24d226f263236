"""What a server runs: dashboard.py as a Streamlit app (st.App), with the routes that hand a signed-in browser its
session cookie and clear it, and the security headers every response carries. `streamlit run server.py` (which
`python -m ui.serve` does) serves it; AppTest and `streamlit run dashboard.py` run the app without them.

The session cookie is set here, by the server, HttpOnly: no script on a page can read it. After a password sign-in
the page has the browser POST a one-time grant (ui/auth.py, access/sessions.py); the grant buys the cookie once.
"""

from __future__ import annotations

import streamlit as st
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
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; frame-src 'self' blob: data:; "
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


def _secure(request: Request) -> bool:
    """Whether the browser reached us over https (a trusted proxy's X-Forwarded-Proto believed): the cookie is then
    Secure, sent over https only."""
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "") if limits.trusted(peer, limits.trusted_proxies()) else ""
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


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
    response = Response(status_code=204)
    _cookie(response, sessions.COOKIE, token, seconds, _secure(request))
    _cookie(response, sessions.DEVICE_COOKIE, device, 90 * 24 * 3600, _secure(request))
    return response


def clear_cookie(request: Request) -> Response:
    """POST at sign-out: the session its cookie holds ended (again: the page has ended it), the cookie cleared."""
    token = request.cookies.get(sessions.COOKIE)
    if token:
        sessions.end_by_token(data.database(), token)
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


ROUTES = [
    Route("/_pilot/session", take_cookie, methods=["POST"]),
    Route("/_pilot/sign-out", clear_cookie, methods=["POST"]),
]
app = st.App("dashboard.py", routes=ROUTES, middleware=[Middleware(SecurityHeaders)])
