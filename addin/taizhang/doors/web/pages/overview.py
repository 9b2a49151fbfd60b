"""领导总览: every master in the served folder in one workbook (``taizhang overview``), and its download."""

from __future__ import annotations

import datetime as dt
import uuid

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse

from taizhang.doors.web.names import _is_link
from taizhang.doors.web.state import WebState
from taizhang.doors.web.views import WebError, log

PREFIX = "领导总览-"


def endpoints(st: WebState) -> dict:
    s = st.s
    url = st.url
    no_links = st.no_links
    today_of = st.today_of
    render = st.render
    remember = st.remember
    form_of = st.form_of
    runs: dict[str, dict] = {}  # 总览 runs: id -> the account's lines and the workbook's name

    def made_files() -> list[str]:
        return sorted((p.name for p in s.folder.iterdir() if p.is_file() and not _is_link(p)
                       and p.name.startswith(PREFIX) and p.suffix.lower() == ".xlsx"), reverse=True)

    async def overview_page(request: Request):
        done = runs.get(request.query_params.get("done", ""))
        today = done["today"] if done else dt.date.today().isoformat()
        return render(request, "overview.html", "overview", today=today, done=done, files=made_files())

    async def overview_post(request: Request):
        """The same job and lines as `taizhang overview` on the served folder; the workbook is written beside the
        masters (a new file; no master is changed)."""
        from taizhang.jobs import run_overview
        from taizhang.report.text import overview_text

        form = await form_of(request)
        today = today_of(str(form.get("today") or ""))
        out = no_links(s.folder / f"{PREFIX}{today.isoformat()}.xlsx")
        res = await run_in_threadpool(run_overview, s.folder, today, out)
        rid = uuid.uuid4().hex
        remember(runs, rid, {"text": overview_text(res), "name": res.out.name, "today": today.isoformat()})
        log.info("overview written: %s (%d masters)", res.out.name, len(res.overview.campaigns))
        return RedirectResponse(url("/overview", done=rid), status_code=303)

    async def overview_file(request: Request):
        name = request.query_params.get("name") or ""
        if name not in made_files():
            raise WebError(f"本文件夹中没有领导总览“{name}”。", 404)
        return FileResponse(s.folder / name, filename=name)

    return {"overview_page": overview_page, "overview_post": overview_post, "overview_file": overview_file}
