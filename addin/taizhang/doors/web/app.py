"""The browser door: ``taizhang serve``, a local page for offices that have WPS but no Excel add-ins.

Like the CLI and the ribbon, this door only parses a request, calls the same ``jobs`` functions and presents
the result with ``report.text``'s lines (it reaches the core through nothing else, tested). This module holds the
routes and ``serve``; the rest is one module per concern: ``guard`` (host, origin, token, root, headers, printable
logs), ``names`` (names, never paths; links never followed), ``state`` (the served folder's names, rendering,
uploads), ``tasks`` (merges, summaries and 通报 in threads, and who holds a lock), ``views`` (templates and the
error page) and ``pages/`` (one module per page). What it adds is the guard a local web server needs:

- it binds 127.0.0.1 only (the port is bound before anything is printed or opened), every address is under a
  random secret root (``/prefix/``) and every request must carry the random token printed at start-up (in the
  URL once, then as a SameSite=Strict cookie whose Path is the root: browsers keep cookies apart by host, not by
  port, so no other program on another port of 127.0.0.1 ever receives it); ``serve`` opens the browser
  through a file only this user can read, so the token is never on a command line;
- a Host other than 127.0.0.1/localhost on our port (DNS rebinding) and an Origin other than our own page
  are refused; state-changing requests are POST only;
- the browser never sends a path: it names a master, a report folder or a file, and the name must be one
  the server itself listed in the folder it serves; uploads are vetted by ``xlsx.safety`` (size, sniffed
  type, bombs), saved under a sanitised name, and never executed;
- a link (symbolic link, junction) in the served folder is never followed, for reading or writing; an upload
  is counted while it streams in (a chunked body says no length);
- every page and every refusal carry the security headers; every page loads only its own scripts and styles
  (Content-Security-Policy ``default-src 'self'``); every logged or printed line has its control characters
  escaped (a request path cannot drive the terminal);
- every error is one Chinese sentence on the page; the traceback goes to the log (``errors.log_exception``).
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from taizhang.doors.web.guard import Guard, PrintableFormatter, Settings, printable  # noqa: F401 (the door's API)
from taizhang.doors.web.names import safe_folder_name, safe_name  # noqa: F401
from taizhang.doors.web.pages import assign, masters, remind, report, summary, validate, workday
from taizhang.doors.web.pages import overview as overview_pages
from taizhang.doors.web.state import make_state
from taizhang.doors.web.tasks import Jobs, _bug_line  # noqa: F401
from taizhang.doors.web.views import HERE, WebError, _error_response, log  # noqa: F401
from taizhang.errors import UserError


def create_app(folder: str | Path, token: str, port: int | None = None, max_upload: int = 0, prefix: str = "") -> Starlette:
    """The web door for the masters in ``folder``; ``token`` is required on every request. With ``prefix``
    (``serve`` always gives a random one) every address is under ``/prefix/`` and so is the token cookie."""
    s = Settings(Path(folder), token, port, max_upload, prefix)
    st = make_state(s)
    url = st.url
    ep: dict = {}
    for page in (masters, report, validate, summary, workday, assign, remind):
        ep.update(page.endpoints(st))
    (home, new_master, backups_page, restore_post, report_page, uploads_dismiss, template_post, upload, merge, job_status,
     marked, validate_page, validate_post, validate_marked, summary_page, summary_make, download, workday_page, assign_page,
     assign_post) = (ep[n] for n in ("home", "new_master", "backups_page", "restore_post", "report_page", "uploads_dismiss",
                                    "template_post", "upload", "merge", "job_status", "marked", "validate_page",
                                    "validate_post", "validate_marked", "summary_page", "summary_make", "download",
                                    "workday_page", "assign_page", "assign_post"))
    ov = overview_pages.endpoints(st)  # 领导总览 (issue #32)

    # ----------------------------------------------------------------- errors: one Chinese sentence, details in the log
    def guarded(endpoint):
        async def run(request: Request):
            from taizhang.jobs import recording

            with recording() as written:  # this request's files (its threadpool calls run in a copy of this context)
                return await guarded_run(request, written)

        async def guarded_run(request: Request, written):
            from taizhang import errors

            try:
                return await endpoint(request)
            except WebError as exc:
                return _error_response(request, exc.message, exc.status, s)
            except HTTPException:
                raise
            except Exception as exc:  # noqa: BLE001 - the user's to fix, or a bug of ours: one line either way
                if errors.is_user_error(exc):
                    log.info("%s %s: %s", request.method, request.url.path, exc)
                    return _error_response(request, errors.user_message(exc), 400, s)
                return _error_response(request, _bug_line(f"{request.method} {request.url.path}", written), 500, s)
        run.__name__ = endpoint.__name__
        return run

    async def http_error(request: Request, exc: HTTPException):
        message = {404: "没有这个页面。请从上方的菜单进入。",
                   405: "不允许这样操作：修改数据的操作只能通过页面上的按钮提交。"}.get(exc.status_code, "请求无法处理。")
        return _error_response(request, message, exc.status_code, s)

    async def server_error(request: Request, exc: Exception):
        return _error_response(request, _bug_line(f"{request.method} {request.url.path}"), 500, s)

    routes = [
        Route("/", guarded(home)),
        Route("/new", guarded(new_master), methods=["POST"]),
        Route("/report", guarded(report_page)),
        Route("/upload", guarded(upload), methods=["POST"]),
        Route("/merge", guarded(merge), methods=["POST"]),
        Route("/api/job/{id}", guarded(job_status)),
        Route("/uploads/dismiss", guarded(uploads_dismiss), methods=["POST"]),
        Route("/template", guarded(template_post), methods=["POST"]),
        Route("/backups", guarded(backups_page)),
        Route("/restore", guarded(restore_post), methods=["POST"]),
        Route("/marked", guarded(marked)),
        Route("/validate", guarded(validate_page)),
        Route("/validate", guarded(validate_post), methods=["POST"]),
        Route("/validate/marked/{id}", guarded(validate_marked)),
        Route("/summary", guarded(summary_page)),
        Route("/summary/make", guarded(summary_make), methods=["POST"]),
        Route("/download", guarded(download)),
        Route("/remind", guarded(ep["remind_page"])),
        Route("/remind/make", guarded(ep["remind_make"]), methods=["POST"]),
        Route("/workday", guarded(workday_page)),
        Route("/assign", guarded(assign_page)),
        Route("/assign", guarded(assign_post), methods=["POST"]),
        Route("/overview", guarded(ov["overview_page"])),
        Route("/overview", guarded(ov["overview_post"]), methods=["POST"]),
        Route("/overview/file", guarded(ov["overview_file"])),
        Route("/favicon.ico", lambda request: RedirectResponse(url("/static/favicon.svg"), status_code=301)),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    if s.root:
        routes = [Mount(s.root, routes=routes)]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        shutil.rmtree(s.scratch, ignore_errors=True)  # uploads checked once and marked copies: not kept

    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error},
                    lifespan=lifespan)
    app.state.settings, app.state.jobs, app.state.web = s, st.jobs, st
    app.add_middleware(Guard, settings=s)
    return app


# --------------------------------------------------------------------------- serve

class PortTaken(UserError):
    """The port asked for is in use: nothing was printed or opened (exit 2)."""


def bind_port(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1, bound before anything is printed or opened: ``port``, or without one
    8765 or else any free port. Another program on ``port`` is a ``PortTaken`` in Chinese."""
    for p in ((port,) if port else (8765, 0)):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if os.name == "nt":  # Windows: never share a port another program holds
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_EXCLUSIVEADDRUSE", socket.SO_REUSEADDR), 1)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port left in TIME_WAIT by our last run
        try:
            sock.bind(("127.0.0.1", p))
            sock.listen(128)
        except OSError:
            sock.close()
            continue
        sock.setblocking(False)
        return sock
    raise PortTaken(f"端口 {port} 已被其他程序占用，台账助手网页没有启动。请换一个端口（如 --port {port + 1}），"
                    f"或不写 --port 让台账助手自动选择空闲端口。")


def open_file_for(address: str) -> Path:
    """A page only this user may read that sends the browser on to ``address`` (as Jupyter does): the browser's
    command line, which every user of the computer can see, then names this file and not the token."""
    folder = Path(tempfile.mkdtemp(prefix="taizhang-open-"))  # 0700
    page = folder / "打开台账助手.html"
    fd = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    target = html.escape(address, quote=True)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
                 f'<meta http-equiv="refresh" content="0;url={target}"><title>台账助手</title></head>\n'
                 f'<body><p>正在打开台账助手……若没有自动跳转，请<a href="{target}">点此打开</a>。</p></body></html>\n')
    return page


def has_display() -> bool:
    import sys

    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def serve(folder: str | Path, port: int | None = None, open_browser: bool = True, say=print) -> None:
    """Run the web door until Ctrl+C. The port is bound first; only then is the address printed (with its
    token) and the browser opened, through a file only this user can read (``open_file_for``)."""
    import uvicorn

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"文件夹 {folder} 不存在。请用 --folder 指定台账总表所在的文件夹。")
    sock = bind_port(port)
    port = sock.getsockname()[1]
    token, prefix = secrets.token_urlsafe(24), secrets.token_urlsafe(12)
    app = create_app(folder, token, port, prefix=prefix)
    address = f"http://127.0.0.1:{port}/{prefix}/?token={token}"
    say(printable(f"台账助手网页已启动（文件夹：{folder.resolve()}）。请在浏览器中打开：\n{address}\n按 Ctrl+C 停止。",
                  keep_newlines=True))
    import sys

    with contextlib.suppress(Exception):
        sys.stdout.flush()  # the address is seen at once, also when the output goes to a file or a pipe
    page = None
    if open_browser and has_display():
        import webbrowser

        page = open_file_for(address)
        threading.Timer(0.5, webbrowser.open, [page.as_uri()]).start()
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    _private_log()
    config = uvicorn.Config(app, log_level="warning", log_config=None)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        if page is not None:
            shutil.rmtree(page.parent, ignore_errors=True)


def _private_log() -> None:
    """The log holds file names (and a traceback's values): create it readable by this user only."""
    from taizhang.errors import log_path

    with contextlib.suppress(OSError):
        path = log_path()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
