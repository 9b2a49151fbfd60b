"""催报: on a chosen day, who still owes this period's report, whose cases fall due soon, which materials are owed;
the 催报单 and 临期提醒单 (with the paste-ready messages and the SMS table) as one .zip, and the reminders logged on
催办记录 once the office has sent them (the same ``jobs.run_remind`` as `taizhang remind`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse

from taizhang.doors.web.state import WebState
from taizhang.doors.web.views import WebError, log

CHANNELS = ("督办通知", "短信", "电话", "政务微信", "钉钉")


def endpoints(st: WebState) -> dict:
    url = st.url
    pick_master = st.pick_master
    no_links = st.no_links
    before_writing = st.before_writing
    today_of = st.today_of
    render = st.render
    form_of = st.form_of

    def zip_path(master: Path, today: dt.date) -> Path:
        return master.with_name(f"{master.stem}-催报-{today.isoformat()}.zip")

    async def remind_page(request: Request):
        from taizhang.jobs import remind_preview
        from taizhang.report.text import remind_text

        master = pick_master(request)
        today = today_of(request.query_params.get("today"))
        out = await run_in_threadpool(remind_preview, master, today)
        p = out.plan
        zipped = zip_path(master, today)
        return render(request, "remind.html", "remind", plan=p, today=today.isoformat(), lines=remind_text(out),
                      messages=[(r.unit, out.messages[r.unit]) for r in p.reminders], channels=CHANNELS,
                      owed=[r for r in p.reminders + p.capped if r.report],
                      cases=[(r.unit, c) for r in p.reminders + p.capped for c in r.cases],
                      materials=[(r.unit, o) for r in p.reminders + p.capped for o in r.materials],
                      zip_name=zipped.name if zipped.exists() else "",
                      made=request.query_params.get("made", ""), logged=request.query_params.get("logged", ""))

    def make_zip(master: Path, today: dt.date, sent: bool, channel: str, target: Path) -> int:
        """`taizhang remind` into a scratch folder, then its papers, messages and SMS table as one .zip."""
        import tempfile
        import zipfile

        from taizhang.jobs import run_remind
        from taizhang.jobs import write_atomically as atomic_write

        with tempfile.TemporaryDirectory(prefix="taizhang-remind-") as tmp:
            out = run_remind(master, today, out_dir=Path(tmp) / "催报", sent=sent, channel=channel)

            def write(path: Path) -> None:
                with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                    for f in [*out.papers, out.messages_file, out.csv]:
                        if f:
                            z.write(f, Path(f).name)
                    if not out.papers:
                        z.writestr("说明.txt", "截至基准日没有需要催报、催交材料或临期提醒的单位。\n")

            atomic_write(target, write)
            return out.logged

    async def remind_make(request: Request):
        master = pick_master(request)
        form = await form_of(request)
        today = today_of(str(form.get("today") or ""))
        sent = str(form.get("sent") or "0") == "1"
        channel = str(form.get("channel") or CHANNELS[0])
        if channel not in CHANNELS:
            raise WebError("不认识的催办方式。", 400)
        before_writing()
        target = no_links(zip_path(master, today))
        logged = await run_in_threadpool(make_zip, master, today, sent, channel, target)
        log.info("reminders written: %s (logged %s)", target, logged)
        extra = {"logged": str(logged)} if sent else {}
        return RedirectResponse(url("/remind", m=master.name, today=today.isoformat(), made=target.name, **extra),
                                status_code=303)

    return {"remind_page": remind_page, "remind_make": remind_make}
