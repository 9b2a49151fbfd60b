"""The browser door: ``taizhang serve``, a local page for offices that have WPS but no Excel add-ins.

Like the CLI and the ribbon, this door only parses a request, calls the same ``jobs`` (and core) functions
and presents the result. What it adds is the guard a local web server needs:

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
import dataclasses
import datetime as dt
import hmac
import html
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from taizhang.errors import UserError

HERE = Path(__file__).parent
log = logging.getLogger("taizhang.web")

MASTER_SUFFIXES = (".xlsx", ".xlsm")
DOWNLOAD_SUFFIXES = (".xlsx", ".xlsm", ".docx", ".pdf", ".zip")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
LIGHT_ZH = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已办结", "closed": "已销号"}


class WebError(UserError):
    """A request the user has to correct; the message is shown as is (Chinese)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


# --------------------------------------------------------------------------- names, never paths

_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Windows' device names, reserved with any extension and with spaces before it ("CON .xlsx" opens the console)
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$)$",
                               re.IGNORECASE)
MAX_NAME_BYTES = 150  # UTF-8 bytes of a saved name: room for a backup's time prefix and "-标注" within 255 bytes


def _reserved(name: str) -> bool:
    return bool(_WINDOWS_RESERVED.match(name.split(".")[0].rstrip(" ")))


def _fit(stem: str, room: int) -> str:
    """``stem`` cut to ``room`` UTF-8 bytes; a cut name keeps a short digest of the whole, so two long names
    that share their start do not replace each other."""
    if len(stem.encode("utf-8")) <= room:
        return stem
    import hashlib

    digest = "-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:6]
    cut = stem.encode("utf-8")[:room - len(digest)].decode("utf-8", "ignore").rstrip(" .")
    return cut + digest


def safe_name(raw: str, suffixes: tuple[str, ...] | set[str]) -> str:
    """A file name the browser sent, reduced to one harmless name inside our folder (no path, no device)."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = _BAD_CHARS.sub("_", name).strip().lstrip(".").strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem.rstrip(" ."):
        raise WebError(f"文件名“{raw}”没有扩展名，无法识别为表格文件。请上传 {'、'.join(sorted(suffixes))} 文件。")
    if "." + suffix.lower() not in suffixes:
        raise WebError(f"“{raw}”不是表格文件（.{suffix}），已拒绝。请上传 {'、'.join(sorted(suffixes))} 文件。")
    stem = _fit(stem.rstrip(" ."), MAX_NAME_BYTES - len(suffix) - 1)
    if _reserved(stem):
        stem = "_" + stem
    return stem + "." + suffix


def safe_folder_name(raw: str) -> str:
    name = _BAD_CHARS.sub("_", (raw or "").strip()).strip().lstrip(".").strip().rstrip(" .")
    if not name or _reserved(name) or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise WebError(f"文件夹名“{raw}”不可用：请只写一个文件夹名（不含 / \\ : 等符号，不以点开头，不超过 50 个汉字）。")
    return name


# --------------------------------------------------------------------------- jobs off the request thread

@dataclass
class Job:
    id: str
    kind: str
    master: Path
    folder: Path
    today: dt.date
    state: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    current: str = ""
    seen: list[str] = field(default_factory=list)
    error: str = ""
    outcome: object = None
    reports: list = field(default_factory=list)
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def progress(self, done: int, total: int, current: str) -> None:
        if self.current and self.current not in self.seen:
            self.seen.append(self.current)
        self.done, self.total, self.current = done, total, current

    expected: float = 0.0  # seconds the last job of this kind took (0: none yet)

    def public(self) -> dict:
        data = {"id": self.id, "kind": self.kind, "state": self.state, "done": self.done, "total": self.total,
                "current": self.current, "seen": self.seen, "error": self.error,
                "elapsed": round((self.finished or time.time()) - self.started, 1), "expected": round(self.expected, 1)}
        if self.state == "done" and self.outcome is not None:
            if self.kind == "merge":
                data["account"] = self.outcome.result.model_dump(mode="json")
            else:
                data["made"] = str(self.outcome)
        return data


def _bug_line(context: str) -> str:
    """Log the current exception's traceback; the one Chinese line the page shows instead."""
    from taizhang import errors
    from taizhang.jobs import replaced_files

    path = errors.log_exception(f"taizhang serve: {context}")
    log.error("internal error in %s (details in %s)", context, path)
    return errors.bug_message(path, replaced_files())


def lock_file(master: Path) -> Path:
    return master.with_name(f".~taizhang-lock-{master.name}")  # the name xlsx.storage.master_lock uses


def held_message(master: Path) -> str:
    """Who holds ``master``'s lock, when another program does ('' if nobody does, or a dead process did)."""
    import json
    import socket as _socket

    lock = lock_file(master)
    if not lock.exists():
        return ""
    try:
        held = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        held = {}
    host, pid, since = held.get("host"), held.get("pid"), held.get("time", "未知")
    if host == _socket.gethostname() and isinstance(pid, int):
        if not _pid_alive(pid):
            return ""  # left by a process that stopped: the next merge takes it over by itself
        if pid == os.getpid():
            return f"本页面的台账助手正在写入 {master.name}（开始于 {since}）。请等待它完成后再试（完成后会自动解除占用）。"
        return (f"{master.name} 正由本机另一个正在运行的台账助手（进程 {pid}，开始于 {since}）合并或写入。"
                f"请等待它完成后再试（它完成后会自动解除占用）。")
    return (f"{master.name} 正由计算机“{host or '未知'}”上的台账助手合并或写入（开始于 {since}）。请等待其完成后再试；"
            f"只有在确认那台电脑上的台账助手已经关闭后，才可删除 {lock.name}。")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Jobs:
    """Merges running in threads; one per master (a second is refused with the master lock's own message)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.all: dict[str, Job] = {}

    def busy_message(self, master: Path) -> str:
        """Why a merge cannot start now; never suggests deleting a lock that a running taizhang holds."""
        own = self.running(master)
        if own is not None:
            done = f"已合并 {own.done}/{own.total} 个文件" if own.total else "正在读取台账总表和报送文件"
            return (f"本页面的台账助手正在合并 {master.name}（报送文件夹“{own.folder.name}”，{done}）。"
                    f"请等待它完成，进度和结果会显示在本页。")
        return held_message(master) or f"{master.name} 正由另一次合并占用。请等待其完成后再试。"

    def running(self, master: Path) -> Job | None:
        return next((j for j in reversed(list(self.all.values())) if j.master == master and j.state == "running"), None)

    def latest(self, master: Path) -> Job | None:
        """The newest merge of ``master`` (running or finished) this server ran: a refreshed page finds it again."""
        return next((j for j in reversed(list(self.all.values())) if j.master == master), None)

    def start_merge(self, master: Path, folder: Path, today: dt.date) -> Job:
        with self._lock:
            if self.running(master) is not None or held_message(master):
                raise WebError(self.busy_message(master), 409)
            job = Job(uuid.uuid4().hex, "merge", master, folder, today)
            self._add(job)
        threading.Thread(target=self._run_merge, args=(job,), daemon=True, name=f"merge-{job.id[:8]}").start()
        return job

    def _add(self, job: Job) -> None:
        """Keep the running jobs, each master's latest merge, and the 20 newest others."""
        self.all[job.id] = job
        if len(self.all) > 50:
            latest = {m.master: m.id for m in self.all.values() if m.kind == "merge"}
            others = [k for k, j in self.all.items() if j.state != "running" and latest.get(j.master) != k]
            for old in others[:-20]:
                del self.all[old]

    def start_output(self, kind: str, master: Path, today: dt.date, make) -> Job:
        """A summary or 通报 written in a thread, so the page can show how long it has taken (and usually takes)."""
        with self._lock:
            took = [j.finished - j.started for j in self.all.values() if j.kind == kind and j.state == "done" and j.finished]
            job = Job(uuid.uuid4().hex, kind, master, master.parent, today, expected=took[-1] if took else 0.0)
            self._add(job)

        def run() -> None:
            from taizhang import errors

            try:
                job.outcome = make()
                job.state = "done"
            except Exception as exc:  # noqa: BLE001 - one line either way, as for a merge
                job.error = errors.user_message(exc) if errors.is_user_error(exc) else _bug_line(f"{kind} {master}")
                job.state = "failed"
            finally:
                job.finished = time.time()

        threading.Thread(target=run, daemon=True, name=f"{kind}-{job.id[:8]}").start()
        return job

    def _run_merge(self, job: Job) -> None:
        from taizhang import errors
        from taizhang.jobs import run_merge

        try:
            outcome = run_merge(job.master, job.folder, job.today, progress=job.progress)
            job.reports = outcome.master.reports
            job.outcome = dataclasses.replace(outcome, master=None)  # the page needs the account, not the ledger
            job.state = "done"
        except Exception as exc:  # noqa: BLE001 - the user's to fix, or a bug of ours: one line either way
            if errors.is_user_error(exc):
                job.error = errors.user_message(exc)
                log.info("merge refused: %s", exc)
            else:
                job.error = _bug_line(f"merge {job.master} {job.folder}")
            job.state = "failed"  # last: a page polling the job never sees "failed" without its message
        finally:
            job.finished = time.time()


# --------------------------------------------------------------------------- the app

def _is_link(p: Path) -> bool:
    junction = getattr(os.path, "isjunction", None)
    return p.is_symlink() or bool(junction and junction(p))


def _linkless(folder: Path, path: Path) -> bool:
    """``path`` is ``folder`` or below it, and no existing step from ``folder`` down to it is a link."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(folder)
    except ValueError:
        return False
    step = folder
    for part in rel.parts:
        if part in ("..", "."):
            return False
        step = step / part
        if _is_link(step):
            return False
    return True


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


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


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


TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEMPLATES.env.globals["LIGHT_ZH"] = LIGHT_ZH
TEMPLATES.env.filters["timefmt"] = lambda t: dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else ""


def _no_links(path: str, **params) -> str:
    return "#"


def _error_response(request: Request, message: str, status: int, settings: Settings | None) -> Response:
    """The error page (or JSON); without ``settings`` (a request outside the root) it links nowhere, so a
    refused visitor never learns the root."""
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    url = settings.url if settings is not None else _no_links
    return TEMPLATES.TemplateResponse(request, "error.html", {"message": message, "page": "", "m": "", "masters": [],
                                                              "url": url}, status_code=status)


def create_app(folder: str | Path, token: str, port: int | None = None, max_upload: int = 0, prefix: str = "") -> Starlette:
    """The web door for the masters in ``folder``; ``token`` is required on every request. With ``prefix``
    (``serve`` always gives a random one) every address is under ``/prefix/`` and so is the token cookie."""
    s = Settings(Path(folder), token, port, max_upload, prefix)
    jobs = Jobs()
    checks: dict[str, dict] = {}  # single-file checks: id -> report and marked copy (in the scratch folder)
    assigns: dict[str, dict] = {}  # 交办 runs: id -> result and account (the master and notices are in the folder)
    uploads: dict[str, list[dict]] = {}  # master name -> every upload's outcome, until the clerk dismisses them
    restores: dict[str, dict] = {}  # restores: id -> account

    def remember(store: dict, key: str, value: dict, keep: int = 50) -> None:
        """Results the pages show after a redirect: the latest ``keep`` only (a long-running server stays small)."""
        store[key] = value
        for old in list(store)[:-keep]:
            del store[old]

    # ----------------------------------------------------------------- the folder's own names
    # A link (symbolic link or junction) in the served folder is never followed, for reading or writing: another
    # user who may write in a shared folder could point one at any file this user can read or write.
    def masters() -> list[str]:
        from taizhang.jobs import is_lock_or_temp

        return sorted(p.name for p in s.folder.iterdir()
                      if not _is_link(p) and p.is_file() and p.suffix.lower() in MASTER_SUFFIXES and not is_lock_or_temp(p)
                      and "-汇总" not in p.stem)

    def sole_master() -> str:
        """The master to preselect: the folder's only one, else none."""
        names = masters()
        return names[0] if len(names) == 1 else ""

    def pick_master(request: Request, required: bool = True) -> Path | None:
        name = request.query_params.get("m") or (sole_master() if required else "")
        if not name:
            if required:
                raise WebError("请先在“台账总表”页选择一个台账总表。")
            return None
        if name not in masters():  # a name the server listed itself: no path from the browser is ever used
            raise WebError(f"本文件夹中没有名为“{name}”的台账总表。请在“台账总表”页重新选择。", 404)
        return s.folder / name

    def folders() -> list[str]:
        return sorted(p.name for p in s.folder.iterdir() if not _is_link(p) and p.is_dir()
                      and not p.name.startswith((".", "~")) and p.name != "台账备份" and "-交办通知单-" not in p.name)

    def no_links(path: Path) -> Path:
        """``path`` if it lies in the served folder with no link on the way (it need not exist yet)."""
        if not _linkless(s.folder, path):
            raise WebError(f"“{path.name}”（或它所在的文件夹）是一个链接（快捷方式），指向台账助手文件夹之外；"
                           f"为安全起见，台账助手不读写链接。请把实际的文件或文件夹放进来。", 403)
        return path

    def links_in(folder: Path) -> list[str]:
        found = []
        for top, dirs, files in os.walk(folder, followlinks=False):
            for n in dirs + files:
                if _is_link(Path(top) / n):
                    found.append((Path(top) / n).relative_to(folder).as_posix())
        return sorted(found)

    def before_writing() -> None:
        """Every write also backs up into 台账备份 beside the master: that folder must not lead elsewhere."""
        no_links(s.folder / "台账备份")

    def pick_folder(name: str) -> Path:
        if name not in folders():
            raise WebError(f"本文件夹中没有名为“{name}”的报送文件夹。请在列表中选择，或新建一个。", 404)
        return s.folder / name

    def default_folder(master: Path, recorded: str = "") -> str:
        """The folder offered first: the one this page last merged into ``master``, the one 参数设置 records
        (报送文件夹, written by the ribbon), then the usual names."""
        names = folders()
        last = jobs.latest(master)
        for n in ((last.folder.name if last else ""), Path(recorded).name if recorded else "", f"{master.stem}-报送", "报送"):
            if n and n in names:
                return n
        return next((n for n in names if "报送" in n), "")

    def ordered_folders(first: str) -> list[str]:
        names = folders()
        return ([first] if first in names else []) + [n for n in names if n != first]

    def submissions(folder: Path) -> list[dict]:
        from taizhang.jobs import is_submission, submissions_in

        out = []
        links = set(links_in(folder))
        for p in submissions_in(folder):
            rel = p.relative_to(folder).as_posix()
            link = not _linkless(folder, p)
            st = p.lstat() if link else p.stat()
            out.append({"rel": rel, "size": st.st_size, "link": link,
                        "time": dt.datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M"),
                        "table": not link and is_submission(p)})
        for rel in sorted(links - {f["rel"] for f in out}):  # a link to a folder, or a broken one
            out.append({"rel": rel, "size": 0, "link": True, "time": "", "table": False})
        return out

    def pick_submission(folder: Path, rel: str) -> Path:
        from taizhang.jobs import submissions_in

        for p in submissions_in(folder):
            if p.relative_to(folder).as_posix() == rel:
                return no_links(p)
        raise WebError(f"报送文件夹中没有“{rel}”这个文件。", 404)

    def today_of(value: str | None) -> dt.date:
        if not value:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise WebError(f"“{value}”不是日期，请写成 YYYY-MM-DD。") from None

    def render(request: Request, name: str, page: str, **ctx) -> Response:
        m = request.query_params.get("m") or ctx.pop("m", "") or (sole_master() if page not in ("validate", "workday") else "")
        ctx.setdefault("masters", masters())
        return TEMPLATES.TemplateResponse(request, name, {"page": page, "m": m, "folder": str(s.folder), "url": url, **ctx})

    url = s.url

    # ----------------------------------------------------------------- uploads
    async def form_of(request: Request):
        """The request's form, its size checked before and while it streams in (a chunked body says no length)."""
        limit = s.max_upload + 1024 * 1024
        too_large = f"上传的文件太大，超过 {s.max_upload // 1048576 or 1} MB 的上限，已拒绝。请核实文件内容。"
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise WebError(f"上传的文件太大（{int(length) // 1048576} MB），超过 {s.max_upload // 1048576} MB 的上限，已拒绝。", 413)
        received = 0

        async def counted():
            nonlocal received
            message = await request.receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise WebError(too_large, 413)
            return message

        form = Request(request.scope, counted)
        try:
            return await form.form(max_files=1, max_fields=20)
        except WebError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken multipart body is the sender's, said in Chinese
            if type(exc).__name__ in ("MultiPartException", "ClientDisconnect"):
                raise WebError("上传没有完成（数据不完整）。请重新上传。") from None
            raise

    async def save_upload(upload, target_dir: Path, suffixes, mtime: str | None = None) -> tuple[Path, bool]:
        """Copy an upload into ``target_dir`` under a sanitised name, vetted by xlsx.safety before it is kept."""
        from taizhang import errors
        from taizhang.jobs import vet_file

        if not isinstance(upload, UploadFile) or not upload.filename:
            raise WebError("没有收到文件。请选择或拖入一个表格文件。")
        name = safe_name(upload.filename, suffixes)
        vet = s.scratch / uuid.uuid4().hex
        vet.mkdir(parents=True)
        tmp = vet / name  # vetted in the server's own scratch folder, under the name the user knows
        size = 0
        try:
            with open(tmp, "wb") as fh:
                while chunk := await upload.read(1024 * 1024):
                    size += len(chunk)
                    if size > s.max_upload:
                        raise WebError(f"{name} 超过 {s.max_upload // 1048576 or 1} MB 的上限，已拒绝。请核实文件内容。", 413)
                    fh.write(chunk)
            try:
                await run_in_threadpool(vet_file, tmp)
            except Exception as exc:  # noqa: BLE001 - a refusal is the sender's to fix; anything else is a bug
                if not errors.is_user_error(exc):
                    raise
                raise WebError(errors.user_message(exc)) from None
            if mtime and mtime.isdigit():  # the file's own time (a submission's lateness is its file time)
                t = int(mtime) / 1000
                if 946684800 < t < time.time() + 86400:
                    os.utime(tmp, (t, t))
            if not _linkless(s.scratch, target_dir):  # our own scratch folder, or else the served folder
                no_links(target_dir)
            target_dir.mkdir(parents=True, exist_ok=True)
            final = target_dir / name
            part = target_dir / f".~taizhang-upload-{uuid.uuid4().hex}{tmp.suffix}"  # a merge skips it while copying
            shutil.copy2(tmp, part)
            replaced = final.exists() and not _is_link(final)  # a link is replaced itself, its target never read
            if replaced:  # a unit sent its file again: the earlier copy is kept in 台账备份, never lost
                keep = no_links(s.folder / "台账备份" / "被替换的报送文件")
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy2(final, keep / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{name}")
            os.replace(part, final)
            return final, replaced
        finally:
            shutil.rmtree(vet, ignore_errors=True)

    # ----------------------------------------------------------------- pages
    async def home(request: Request):
        from taizhang.jobs import presets

        books = presets()
        return render(request, "masters.html", "masters", books=books, year=dt.date.today().year,
                      created=request.query_params.get("created", ""))

    async def new_master(request: Request):
        from taizhang.jobs import presets, run_new

        form = await form_of(request)
        book = next((b for b in presets() if b.id == str(form.get("preset") or "")), None)
        if book is None:
            raise WebError("请选择一个专项行动预案。")
        year_text = str(form.get("year") or "").strip()
        if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
            raise WebError(f"年度“{year_text}”不对，请写四位数的年份，如 {dt.date.today().year}。")
        name = str(form.get("name") or "").strip() or f"{book.name}台账（{year_text}年）"
        name = safe_name(name if name.lower().endswith(".xlsx") else name + ".xlsx", (".xlsx",))
        tmpdir = s.scratch / uuid.uuid4().hex
        try:
            units = None
            upload = form.get("units")
            if isinstance(upload, UploadFile) and upload.filename:
                units, _ = await save_upload(upload, tmpdir, (".csv", ".xlsx"))
            res = await run_in_threadpool(run_new, no_links(s.folder / name), book.id, int(year_text), units)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        log.info("created %s (%s, %d, %d units)", name, book.id, res.year, res.units)
        return RedirectResponse(url("/", m=name, created=name), status_code=303)

    async def report_page(request: Request):
        from taizhang.jobs import load_master, recorded_folder

        master = pick_master(request)
        book = await run_in_threadpool(load_master, master, ledger=False)  # its units (templates) and 报送文件夹
        recorded = recorded_folder(book)
        r = request.query_params.get("r")
        r = default_folder(master, recorded) if r is None else r
        folder = pick_folder(r) if r else None
        asked = request.query_params.get("job", "")
        job = jobs.all.get(asked) if asked else jobs.running(master)  # a refreshed page finds its running merge
        last = jobs.latest(master)
        ctx = {"folders": ordered_folders(r or default_folder(master, recorded)), "r": r,
               "files": submissions(folder) if folder else [],
               "today": request.query_params.get("today") or dt.date.today().isoformat(), "job": None,
               "uploads": uploads.get(master.name, []), "units": book.units.names(),
               "last": last if last is not None and last.state != "running" and (job is None or job.id != last.id) else None}
        if job is not None and job.master == master:
            ctx["job"] = job
            if job.state == "done":
                ctx.update(account_context(job))
        return render(request, "report.html", "report", m=master.name, **ctx)

    def note_upload(master: Path, name: str, ok: bool, message: str) -> None:
        """Every upload's outcome stays on the 报送 page until the clerk dismisses it (refusals included)."""
        kept = uploads.setdefault(master.name, [])
        kept.append({"name": name, "ok": ok, "message": message, "time": dt.datetime.now().strftime("%H:%M:%S")})
        del kept[:-200]

    async def uploads_dismiss(request: Request):
        master = pick_master(request)
        form = await form_of(request)
        uploads.pop(master.name, None)
        return RedirectResponse(url("/report", m=master.name, r=str(form.get("r") or "")), status_code=303)

    async def template_post(request: Request):
        """The same job as `taizhang template`: a pre-filled 填报模板 for every unit (or one), as one .zip."""
        import zipfile

        from taizhang.jobs import run_template

        master = pick_master(request)
        form = await form_of(request)
        today = today_of(str(form.get("today") or ""))
        unit = str(form.get("unit") or "").strip() or None
        work = s.scratch / uuid.uuid4().hex
        files = await run_in_threadpool(run_template, master, work / "填报模板", today, unit)
        label = unit if unit else "全部单位"
        out = work / safe_name(f"{master.stem}-填报模板-{label}-{today.isoformat()}.zip", (".zip",))

        def pack() -> None:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for f in files:
                    z.write(f, Path(f).name)

        await run_in_threadpool(pack)
        log.info("templates for %s: %d files (%s)", master.name, len(files), label)
        return FileResponse(out, filename=out.name, media_type="application/zip",
                            background=BackgroundTask(shutil.rmtree, work, True))

    async def backups_page(request: Request):
        from taizhang.jobs import list_backups

        master = pick_master(request)
        versions = await run_in_threadpool(list_backups, master)
        done = restores.get(request.query_params.get("done", ""))
        return render(request, "backups.html", "masters", m=master.name, versions=versions, done=done)

    async def restore_post(request: Request):
        """The same job as `taizhang restore MASTER --version N`: the current file is backed up first."""
        from taizhang.jobs import run_restore
        from taizhang.report.text import restore_text

        master = pick_master(request)
        form = await form_of(request)
        version = str(form.get("version") or "")
        if not version.isdigit():
            raise WebError("请在列表中选择要恢复的版本。")
        before_writing()
        if jobs.running(master) is not None or held_message(master):
            raise WebError(jobs.busy_message(master), 409)
        res = await run_in_threadpool(run_restore, master, int(version))
        rid = uuid.uuid4().hex
        remember(restores, rid, {"text": restore_text(res), "version": res.restored.version})
        log.info("restored %s to backup %s", master.name, res.restored.file)
        return RedirectResponse(url("/backups", m=master.name, done=rid), status_code=303)

    def account_context(job: Job) -> dict:
        from taizhang.jobs import account_headers, reject_rows
        from taizhang.report.text import merge_text

        REPORT_HEADERS, REJECT_HEADERS = account_headers()
        o = job.outcome
        res = o.result
        warnings = [f for f in res.issues if f.severity == "warning"]
        files_with_findings = sorted({f.file for f in res.issues if f.file and f.severity in ("error", "warning")})
        folder_rel = job.folder.name
        marked = [{"file": f.file, "unit": f.unit or "", "status": f.status, "href": url("/marked", m=job.master.name, r=folder_rel, f=f.file,
                                                                                        today=job.today.isoformat())}
                  for f in res.files if f.status != "skipped" and f.file in files_with_findings]
        return {"res": res, "text": merge_text(res, o.out, o.backup), "report_headers": REPORT_HEADERS,
                "reports": job.reports, "reject_headers": REJECT_HEADERS, "rejects": reject_rows(res),
                "warnings": warnings, "marked": marked, "out_name": o.out.name}

    async def upload(request: Request):
        from taizhang.jobs import upload_rules

        WORKBOOK_SUFFIXES = upload_rules()[0]
        master = pick_master(request)
        form = await form_of(request)
        r = str(form.get("r") or "")
        new = str(form.get("new_folder") or "").strip()
        if new:
            folder = s.folder / safe_folder_name(new)
        elif r:
            folder = pick_folder(r)
        else:
            folder = s.folder / f"{master.stem}-报送"
        file = form.get("file")
        sent = file.filename if isinstance(file, UploadFile) and file.filename else "（无文件名）"
        try:
            path, replaced = await save_upload(file, folder, WORKBOOK_SUFFIXES, str(form.get("mtime") or ""))
        except WebError as exc:
            note_upload(master, sent, False, exc.message)
            raise
        log.info("saved upload %s", path)
        msg = f"已保存 {path.name}" + ("（替换了同名文件，原文件已备份到“台账备份/被替换的报送文件”）" if replaced else "")
        note_upload(master, sent, True, msg)
        if _wants_json(request):
            return JSONResponse({"saved": path.name, "folder": folder.name, "replaced": replaced, "message": msg})
        return RedirectResponse(url("/report", m=master.name, r=folder.name), status_code=303)

    async def merge(request: Request):
        master = pick_master(request)
        form = await form_of(request)
        folder = pick_folder(str(form.get("r") or ""))
        today = today_of(str(form.get("today") or ""))
        before_writing()
        links = links_in(folder)
        if links:
            raise WebError(f"报送文件夹“{folder.name}”中有链接（快捷方式）：{'、'.join(links[:5])}{'等' if len(links) > 5 else ''}。"
                           f"为安全起见，台账助手不读取链接，本次没有合并。请把实际的报送文件复制进来，删除这些链接后再合并。", 403)
        job = jobs.start_merge(master, folder, today)
        log.info("merge %s started: %s <- %s", job.id, master.name, folder.name)
        result_url = url("/report", m=master.name, r=folder.name, today=today.isoformat(), job=job.id)
        if _wants_json(request):
            return JSONResponse({"job": job.id, "status": url(f"/api/job/{job.id}"), "result": result_url}, status_code=202)
        return RedirectResponse(result_url, status_code=303)

    async def job_status(request: Request):
        job = jobs.all.get(request.path_params["id"])
        if job is None:
            raise WebError("没有这项任务（可能服务已重启）。请重新合并。", 404)
        return JSONResponse(job.public())

    async def marked(request: Request):
        from taizhang.jobs import run_validate

        master = pick_master(request)
        folder = pick_folder(request.query_params.get("r") or "")
        path = pick_submission(folder, request.query_params.get("f") or "")
        today = today_of(request.query_params.get("today"))
        tmpdir = s.scratch / uuid.uuid4().hex
        tmpdir.mkdir(parents=True)
        out = tmpdir / f"{path.stem}-标注.xlsx"
        try:
            res = await run_in_threadpool(run_validate, path, today, master, None, out, path.relative_to(folder).as_posix())
        except BaseException:
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise
        if res.failed or res.marked is None:
            shutil.rmtree(tmpdir, ignore_errors=True)
            errors = res.report.findings if res.report else []
            raise WebError(f"{path.name} 无法读取，没有标注副本：" + "；".join(f.message for f in errors if f.severity == "error"))
        return FileResponse(out, filename=out.name, background=BackgroundTask(shutil.rmtree, tmpdir, True))

    async def validate_page(request: Request):
        from taizhang.jobs import presets

        check = checks.get(request.query_params.get("check", ""))
        return render(request, "validate.html", "validate", books=presets(), check=check,
                      today=dt.date.today().isoformat())

    async def validate_post(request: Request):
        from taizhang.jobs import run_validate, upload_rules

        WORKBOOK_SUFFIXES = upload_rules()[0]
        master = pick_master(request, required=False)
        form = await form_of(request)
        today = today_of(str(form.get("today") or ""))
        cid = uuid.uuid4().hex
        tmpdir = s.scratch / cid
        path, _ = await save_upload(form.get("file"), tmpdir, WORKBOOK_SUFFIXES)
        preset = None if master else str(form.get("preset") or "xinguan")
        res = await run_in_threadpool(run_validate, path, today, master, preset, tmpdir / f"{path.stem}-标注.xlsx")
        if res.refusal:
            raise WebError(res.refusal)
        report = res.report
        by_row: dict = {}
        for f in report.findings:
            if f.severity != "info":
                by_row.setdefault(f.row, []).append(f)
        rows = [(r, by_row[r]) for r in sorted(by_row, key=lambda r: r or 0)]
        remember(checks, cid, {"id": cid, "report": report, "rows": rows, "marked": res.marked, "failed": res.failed})
        log.info("checked %s: %s", path.name, report.counts)
        return RedirectResponse(url("/validate", m=master.name if master else "", check=cid), status_code=303)

    async def validate_marked(request: Request):
        check = checks.get(request.path_params["id"])
        if check is None or check["marked"] is None:
            raise WebError("没有这份标注副本（可能服务已重启）。请重新校验该文件。", 404)
        out: Path = check["marked"]
        return FileResponse(out, filename=out.name)

    async def summary_page(request: Request):
        from taizhang.jobs import rank_rule_text, run_figures

        master = pick_master(request)
        today = today_of(request.query_params.get("today"))
        figs = await run_in_threadpool(run_figures, master, today)
        outputs = []
        for label, kind, public in (("汇总表", "summary", False), ("汇总表（公开版）", "summary", True),
                                    ("通报草稿（Word，公文格式）", "notice", False), ("通报（公开版，Word）", "notice", True),
                                    ("督办通知单（每个有红灯问题的单位一份，打包下载）", "supervision", False)):
            p = output_path(master, today, kind, public)
            outputs.append({"label": label, "name": p.name, "exists": p.exists(), "public": int(public), "kind": kind})
        return render(request, "summary.html", "summary", figs=figs, today=today.isoformat(), outputs=outputs,
                      rule=rank_rule_text(figs.rank_rule),
                      made=request.query_params.get("made", ""))

    def output_path(master: Path, today: dt.date, kind: str, public: bool) -> Path:
        from taizhang.jobs import default_notice_path, default_summary_path

        if kind == "notice":
            return default_notice_path(master, today, public)
        if kind == "supervision":
            return master.with_name(f"{master.stem}-督办通知单-{today.isoformat()}.zip")
        return default_summary_path(master, today, public)

    def make_output(master: Path, today: dt.date, kind: str, public: bool, out: Path) -> None:
        """The same jobs as `taizhang summary` / `taizhang notice`; the 督办通知单 come as one .zip to download."""
        from taizhang.jobs import run_notice, run_summary

        if kind == "summary":
            run_summary(master, today, out, public)
        elif kind == "notice":
            run_notice(master, today, out, public=public)
        else:
            import tempfile
            import zipfile

            from taizhang.jobs import write_atomically as atomic_write

            with tempfile.TemporaryDirectory(prefix="taizhang-notices-") as tmp:
                res = run_notice(master, today, Path(tmp) / "通报.docx", units_dir=Path(tmp) / "督办通知单")

                def write(target: Path) -> None:
                    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
                        for f in res.supervision:
                            z.write(f, Path(f).name)
                        if not res.supervision:
                            z.writestr("说明.txt", "截至基准日没有超期（红灯）问题，不需要督办通知单。\n")

                atomic_write(out, write)

    async def summary_make(request: Request):
        master = pick_master(request)
        form = await form_of(request)
        today = today_of(str(form.get("today") or ""))
        public = str(form.get("public") or "0") == "1"
        kind = str(form.get("kind") or "summary")
        if kind not in ("summary", "notice", "supervision"):
            raise WebError("不认识要生成的文件种类。", 400)
        before_writing()
        out = no_links(output_path(master, today, kind, public))
        if _wants_json(request):  # the page's button: a job it polls, showing the time taken
            def make() -> str:
                make_output(master, today, kind, public, out)
                log.info("%s written: %s", kind, out)
                return out.name

            job = jobs.start_output(kind, master, today, make)
            result = url("/summary", m=master.name, today=today.isoformat(), made=out.name)
            return JSONResponse({"job": job.id, "status": url(f"/api/job/{job.id}"), "result": result}, status_code=202)
        await run_in_threadpool(make_output, master, today, kind, public, out)
        log.info("%s written: %s", kind, out)
        return RedirectResponse(url("/summary", m=master.name, today=today.isoformat(), made=out.name), status_code=303)

    async def download(request: Request):
        pick_master(request)
        name = request.query_params.get("name") or ""
        allowed = {p.name for p in s.folder.iterdir() if not _is_link(p) and p.is_file()
                   and p.suffix.lower() in DOWNLOAD_SUFFIXES and not p.name.startswith((".", "~"))}
        if name not in allowed:
            raise WebError(f"本文件夹中没有可下载的“{name}”。", 404)
        return FileResponse(s.folder / name, filename=name)

    async def workday_page(request: Request):
        from taizhang.jobs import load_master, run_workday, workday_span

        master = pick_master(request, required=False)
        q = request.query_params
        ctx: dict = {"date": q.get("date") or dt.date.today().isoformat(), "n": q.get("n", ""), "months": q.get("months", ""),
                     "result": None}
        holidays = {}
        if master is not None:
            holidays = (await run_in_threadpool(load_master, master, ledger=False)).holidays
        ctx["overrides"] = sorted(holidays.items())
        if q.get("date") and (q.get("n") or q.get("months")):
            start = today_of(q.get("date"))
            try:
                if q.get("months"):
                    months = int(q["months"])
                    if not 0 < months <= 120:
                        raise ValueError
                    result, _ = await run_in_threadpool(run_workday, start, None, months, master)
                    how = f"{months}个月期间届满（民法典第二百零二条；届满日为法定休假日的，顺延至其后第一个工作日）"
                else:
                    n = int(q["n"])
                    if not -2000 <= n <= 2000:
                        raise ValueError
                    result, _ = await run_in_threadpool(run_workday, start, n, None, master)
                    how = f"{n}个工作日之后（起算日当日不计入）"
            except ValueError:
                raise WebError("工作日数或月数应是整数（工作日数不超过 2000，月数 1 至 120）。") from None
            span = await run_in_threadpool(workday_span, start, result, master)
            ctx.update(result=result, how=how, start=start, weekday="一二三四五六日"[result.weekday()], **span)
        return render(request, "workday.html", "workday", **ctx)

    # ----------------------------------------------------------------- 交办
    async def assign_page(request: Request):
        master = pick_master(request)
        done = assigns.get(request.query_params.get("done", ""))
        if done is not None and done["master"] != master.name:
            done = None  # a result belongs to the master it was made on
        today = done["today"] if done else dt.date.today().isoformat()
        return render(request, "assign.html", "assign", today=today, done=done)

    async def assign_post(request: Request):
        """The same job as `taizhang assign`: the office's new rows and an uploaded clue list are numbered and
        handed over. The 交办通知单 are written to a folder of their own beside the master (one per press, so a
        second 交办 the same day never replaces the first one's notices) and offered as one .zip of that folder."""
        import zipfile

        from taizhang.jobs import run_assign, upload_rules
        from taizhang.jobs import write_atomically as atomic_write
        from taizhang.report.text import assign_text

        WORKBOOK_SUFFIXES = upload_rules()[0]
        master = pick_master(request)
        form = await form_of(request)
        today = today_of(str(form.get("today") or ""))
        rid = uuid.uuid4().hex
        work = s.scratch / rid
        notices_dir = master.with_name(f"{master.stem}-交办通知单-{today.isoformat()}-{dt.datetime.now():%H%M%S}")
        before_writing()
        no_links(notices_dir)
        no_links(notices_dir.with_name(notices_dir.name + ".zip"))
        try:
            clues = None
            upload = form.get("clues")
            if isinstance(upload, UploadFile) and upload.filename:
                clues, _ = await save_upload(upload, work / "线索", WORKBOOK_SUFFIXES)
            res = await run_in_threadpool(run_assign, master, today, clues, notices_dir)
        finally:
            shutil.rmtree(work, ignore_errors=True)  # the clue list (reporters' names and phones) is not kept
        notices = None
        if res.notices:
            notices = notices_dir.with_name(notices_dir.name + ".zip")

            def write(target: Path) -> None:
                with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
                    for f in res.notices:
                        z.write(f, Path(f).name)

            await run_in_threadpool(atomic_write, notices, write)
        where = f"{notices_dir.name} 文件夹（台账总表旁），打包为 {notices.name}，可在下方下载" if notices else None
        remember(assigns, rid, {"res": res, "text": assign_text(res, where), "notices": notices.name if notices else "",
                                "clues": clues.name if clues else "", "master": master.name, "today": today.isoformat()})
        log.info("assign on %s: %d new, %d transferred, %d pending", master.name, len(res.new_cases),
                 len(res.transfers), len(res.pending))
        return RedirectResponse(url("/assign", m=master.name, done=rid), status_code=303)

    # ----------------------------------------------------------------- errors: one Chinese sentence, details in the log
    def guarded(endpoint):
        async def run(request: Request):
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
                return _error_response(request, _bug_line(f"{request.method} {request.url.path}"), 500, s)
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
        Route("/workday", guarded(workday_page)),
        Route("/assign", guarded(assign_page)),
        Route("/assign", guarded(assign_post), methods=["POST"]),
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
    app.state.settings, app.state.jobs = s, jobs
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
