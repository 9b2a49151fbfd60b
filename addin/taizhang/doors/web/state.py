"""The page's state and the served folder's own names: which masters and report folders there are, what a
request names, what the pages render; and uploads (read while they stream, vetted, saved under a safe name)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from taizhang.doors.web.guard import Settings
from taizhang.doors.web.names import (
    MASTER_SUFFIXES,
    _is_link,
    _linkless,
    safe_name,
)
from taizhang.doors.web.tasks import Jobs
from taizhang.doors.web.views import TEMPLATES, WebError


class WebState(SimpleNamespace):
    """Everything the pages share: ``s`` (Settings), ``jobs``, the stores of results, and the helpers below."""


def make_state(s: Settings) -> WebState:
    """The state of one app, and its helpers bound to it (each page module takes what it needs)."""
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

    def note_upload(master: Path, name: str, ok: bool, message: str) -> None:
        """Every upload's outcome stays on the 报送 page until the clerk dismisses it (refusals included)."""
        kept = uploads.setdefault(master.name, [])
        kept.append({"name": name, "ok": ok, "message": message, "time": dt.datetime.now().strftime("%H:%M:%S")})
        del kept[:-200]

    return WebState(**{k: v for k, v in locals().items() if not k.startswith('_')})
