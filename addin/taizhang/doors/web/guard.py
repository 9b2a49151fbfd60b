"""The guard: Host, Origin, token and root checks, the security headers on every answer, and printable logs."""

from __future__ import annotations

import hmac
import html
import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from taizhang.doors.web.views import _error_response, log

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


@dataclass
class Settings:
    folder: Path
    token: str
    port: int | None = None  # None: any port on 127.0.0.1/localhost (tests)
    max_upload: int = 0
    prefix: str = ""  # the secret first segment of every address; the token cookie is scoped to it
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="taizhang-web-")))

    def __post_init__(self):
        from taizhang.jobs import upload_rules

        self.folder = Path(self.folder).resolve()
        self.max_upload = self.max_upload or upload_rules()[1]
        if self.prefix and not re.fullmatch(r"[A-Za-z0-9_-]{8,}", self.prefix):
            raise ValueError("prefix: letters, digits, - and _ only, at least 8")

    @property
    def root(self) -> str:
        """The path every address of this server starts with ('' without a prefix)."""
        return f"/{self.prefix}" if self.prefix else ""

    @property
    def cookie(self) -> str:
        return f"taizhang_token_{self.port or 0}"

    def hosts(self) -> set[str]:
        return {f"{h}:{self.port}" for h in ("127.0.0.1", "localhost")} if self.port else set()

    def host_ok(self, host: str) -> bool:
        if self.port:
            return host in self.hosts()
        return host.rsplit(":", 1)[0] in ("127.0.0.1", "localhost")

    def origin_ok(self, origin: str) -> bool:
        return origin.startswith("http://") and self.host_ok(origin[len("http://"):])

    def url(self, path: str, **params) -> str:
        """An address of this server: the secret root, the path, the non-empty parameters."""
        q = {k: v for k, v in params.items() if v not in (None, "")}
        return self.root + path + ("?" + urlencode(q) if q else "")


# --------------------------------------------------------------------------- what reaches a terminal or a log

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every control character written as an escape (\\x1b, \\n, \\u202e…): a request path or
    a file name can never move the cursor, recolour or rewrite a terminal line, or forge a log line."""
    def esc(m):
        ch = m.group(0)
        if keep_newlines and ch == "\n":
            return ch
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return _CONTROL.sub(esc, text)


class PrintableFormatter(logging.Formatter):
    """A log formatter whose every line is printable (see ``printable``); a traceback keeps its own line breaks."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        record.msg, record.args = printable(record.getMessage()), None
        text = super().format(record)
        head, sep, tail = text.partition("\n")  # the message itself is escaped; what follows is the traceback
        return head + (sep + printable(tail, keep_newlines=True) if sep else "")


class _PrintableFilter(logging.Filter):
    """Every record of the web door's logger is made printable before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = printable(record.getMessage()), None
        return True


log.addFilter(_PrintableFilter())


class Guard:
    """Pure ASGI middleware: Host, Origin and token checks, then the security headers on every answer.

    With a prefix, the server answers only under it (anything else is "no such page", without saying where the
    pages are) and the token cookie is set with ``Path=/prefix/``: browsers keep cookies apart by host, not by
    port, so without a path another program on another port of 127.0.0.1 would receive the cookie."""

    def __init__(self, app, settings: Settings):
        self.app, self.s = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                return await self.app(scope, receive, send)
            return  # no websockets
        request = Request(scope)
        root = self.s.root
        path = request.url.path
        if root and not path.startswith(root + "/"):
            inside = path == root
            if inside and self.s.host_ok(request.headers.get("host", "")):  # /prefix → /prefix/ (the cookie's path)
                query = request.url.query
                response = RedirectResponse(root + "/" + ("?" + query if query else ""), status_code=307)
                return await self._secured(response)(scope, receive, send)
            log.warning("refused %s %s: not under the root", request.method, path)
            return await self._secured(_error_response(request, "没有这个页面。请使用启动台账助手时显示的完整地址打开本页面。",
                                                       404, None))(scope, receive, send)
        refusal = self.refusal(request)
        if refusal is not None:
            log.warning("refused %s %s: %s", request.method, path, refusal[1])
            return await self._secured(_error_response(request, refusal[1], refusal[0], self.s))(scope, receive, send)
        token = request.query_params.get("token")
        if token is not None:  # first visit: move the token into a cookie and drop it from the address bar
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            url = path + ("?" + urlencode(rest) if rest else "")
            if request.headers.get("sec-fetch-site", "none") in ("none", "same-origin"):
                response = RedirectResponse(url, status_code=303)
            else:  # opened from a file or another page: a redirect would stay cross-site and the strict cookie unsent
                target = html.escape(url, quote=True)
                response = Response(f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
                                    f'<meta http-equiv="refresh" content="0;url={target}"><title>台账助手</title></head>'
                                    f'<body><p>正在打开台账助手……</p></body></html>\n', media_type="text/html")
            response.set_cookie(self.s.cookie, self.s.token, httponly=True, samesite="strict", path=root + "/")
            return await self._secured(response)(scope, receive, send)

        async def send_secured(message):
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {k.lower() for k, _ in headers}
                for k, v in _security_headers():
                    if k.encode() not in names:
                        headers.append((k.encode(), v.encode()))
            await send(message)

        await self.app(scope, receive, send_secured)

    def _secured(self, response: Response) -> Response:
        for k, v in _security_headers():
            response.headers[k] = v
        return response

    def refusal(self, request: Request) -> tuple[int, str] | None:
        host = request.headers.get("host", "")
        if not self.s.host_ok(host):
            return 421, f"拒绝访问：地址“{host}”不是本机。台账助手只接受 http://127.0.0.1:{self.s.port or '端口'}/ 上的访问。"
        origin = request.headers.get("origin")
        if origin is not None and not self.s.origin_ok(origin):
            return 403, "拒绝访问：请求来自其他网页。请直接在台账助手的页面上操作。"
        if request.method not in ("GET", "HEAD"):
            referer = request.headers.get("referer", "")
            if origin is None and not (referer and self.s.origin_ok(_origin_of(referer))):
                return 403, "拒绝访问：无法确认请求来自台账助手的页面。请在本页面上重新操作。"
        token = request.query_params.get("token")
        if token is not None:
            if not hmac.compare_digest(token.encode(), self.s.token.encode()):
                return 403, "访问口令（token）不正确。请使用启动台账助手时显示的完整地址打开本页面。"
            return None
        cookie = request.cookies.get(self.s.cookie, "")
        if not hmac.compare_digest(cookie.encode(), self.s.token.encode()):
            return 403, "缺少访问口令（token）。请使用启动台账助手（taizhang serve）时显示的完整地址打开本页面。"
        return None


def _origin_of(url: str) -> str:
    m = re.match(r"^(https?://[^/?#]+)", url)
    return m.group(1) if m else ""


def _security_headers() -> list[tuple[str, str]]:
    return [("content-security-policy", CSP), ("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin"),
            ("x-frame-options", "DENY"), ("cache-control", "no-store")]


