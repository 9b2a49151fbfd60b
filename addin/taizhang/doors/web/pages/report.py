"""报送: the report folder, uploads, 填报模板, 合并报送 with its progress and account, the marked copies."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse

from taizhang.doors.web.names import safe_folder_name, safe_name
from taizhang.doors.web.state import WebState
from taizhang.doors.web.tasks import Job
from taizhang.doors.web.views import WebError, _wants_json, log


def endpoints(st: WebState) -> dict:
    s = st.s
    jobs = st.jobs
    url = st.url
    uploads = st.uploads
    pick_master = st.pick_master
    pick_folder = st.pick_folder
    links_in = st.links_in
    before_writing = st.before_writing
    default_folder = st.default_folder
    ordered_folders = st.ordered_folders
    submissions = st.submissions
    pick_submission = st.pick_submission
    today_of = st.today_of
    render = st.render
    form_of = st.form_of
    save_upload = st.save_upload
    note_upload = st.note_upload

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
        elif last is None:  # nothing this server ran (e.g. after a restart): the account the master itself keeps
            from taizhang.jobs import account_headers, last_account
            from taizhang.report.text import last_account_text

            stored = await run_in_threadpool(last_account, master)
            ctx.update(stored=stored, stored_text=last_account_text(stored), report_headers=account_headers()[0],
                       reject_headers=account_headers()[1])
        return render(request, "report.html", "report", m=master.name, **ctx)

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

    def account_context(job: Job) -> dict:
        from taizhang.jobs import account_headers, reject_rows
        from taizhang.report.text import merge_text, reminder_findings

        REPORT_HEADERS, REJECT_HEADERS = account_headers()
        o = job.outcome
        res = o.result
        warnings = reminder_findings(res.issues)  # the account's “提醒N条” counts these same findings
        files_with_findings = sorted({f.file for f in res.issues if f.file and f.severity in ("error", "warning")})
        folder_rel = job.folder.name
        marked = [{"file": f.file, "unit": f.unit or "", "status": f.status, "href": url("/marked", m=job.master.name, r=folder_rel, f=f.file,
                                                                                        today=job.today.isoformat())}
                  for f in res.files if f.status != "skipped" and f.file in files_with_findings]
        return {"res": res, "text": merge_text(res, o.out if o.written else None, o.backup), "report_headers": REPORT_HEADERS,
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

    return {"report_page": report_page, "uploads_dismiss": uploads_dismiss, "template_post": template_post, "upload": upload, "merge": merge, "job_status": job_status, "marked": marked}
