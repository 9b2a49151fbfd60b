"""交办: the office's new cases and an uploaded clue list numbered and handed over (``taizhang assign``)."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse

from taizhang.doors.web.state import WebState
from taizhang.doors.web.views import log


def endpoints(st: WebState) -> dict:
    s = st.s
    url = st.url
    assigns = st.assigns
    pick_master = st.pick_master
    no_links = st.no_links
    before_writing = st.before_writing
    today_of = st.today_of
    render = st.render
    remember = st.remember
    form_of = st.form_of
    save_upload = st.save_upload

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

    return {"assign_page": assign_page, "assign_post": assign_post}
