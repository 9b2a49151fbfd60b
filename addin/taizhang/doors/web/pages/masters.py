"""台账总表 and 台账备份: choose or create a master; list its backups and restore one (``taizhang new`` / ``restore``)."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse

from taizhang.doors.web.names import safe_name
from taizhang.doors.web.state import WebState
from taizhang.doors.web.tasks import held_message
from taizhang.doors.web.views import WebError, log


def endpoints(st: WebState) -> dict:
    s = st.s
    jobs = st.jobs
    url = st.url
    restores = st.restores
    pick_master = st.pick_master
    no_links = st.no_links
    before_writing = st.before_writing
    render = st.render
    remember = st.remember
    form_of = st.form_of
    save_upload = st.save_upload

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

    return {"home": home, "new_master": new_master, "backups_page": backups_page, "restore_post": restore_post}
