"""校验单个文件: one file checked against the master's (or a preset's) rules, with a marked copy."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse

from taizhang.doors.web.state import WebState
from taizhang.doors.web.views import WebError, log


def endpoints(st: WebState) -> dict:
    s = st.s
    url = st.url
    checks = st.checks
    pick_master = st.pick_master
    today_of = st.today_of
    render = st.render
    remember = st.remember
    form_of = st.form_of
    save_upload = st.save_upload

    async def validate_page(request: Request):
        from taizhang.jobs import presets

        check = checks.get(request.query_params.get("check", ""))
        return render(request, "validate.html", "validate", books=presets(), check=check,
                      today=dt.date.today().isoformat())

    async def validate_post(request: Request):
        from taizhang.jobs import run_validate, upload_rules
        from taizhang.report.text import validate_where

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
        remember(checks, cid, {"id": cid, "report": report, "rows": rows, "marked": res.marked, "failed": res.failed,
                               "where": validate_where(report)})
        log.info("checked %s: %s", path.name, report.counts)
        return RedirectResponse(url("/validate", m=master.name if master else "", check=cid), status_code=303)

    async def validate_marked(request: Request):
        check = checks.get(request.path_params["id"])
        if check is None or check["marked"] is None:
            raise WebError("没有这份标注副本（可能服务已重启）。请重新校验该文件。", 404)
        out: Path = check["marked"]
        return FileResponse(out, filename=out.name)

    return {"validate_page": validate_page, "validate_post": validate_post, "validate_marked": validate_marked}
