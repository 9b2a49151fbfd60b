"""汇总: the day's lights and ranking; the summary, 通报 (also for a chosen month or quarter, `notice --period`) and
督办通知单 made as jobs with progress; downloads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse

from taizhang.doors.web.names import DOWNLOAD_SUFFIXES, _is_link
from taizhang.doors.web.state import WebState
from taizhang.doors.web.views import WebError, _wants_json, log


def endpoints(st: WebState) -> dict:
    s = st.s
    jobs = st.jobs
    url = st.url
    pick_master = st.pick_master
    no_links = st.no_links
    before_writing = st.before_writing
    today_of = st.today_of
    render = st.render
    form_of = st.form_of

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
        from taizhang.jobs import bulletins_of
        from taizhang.report.text import period_prompt

        prompt, period = period_prompt(await run_in_threadpool(bulletins_of, master), today)
        return render(request, "summary.html", "summary", figs=figs, today=today.isoformat(), outputs=outputs,
                      rule=rank_rule_text(figs.rank_rule), period=period, period_prompt=prompt,
                      made=request.query_params.get("made", ""))

    def output_path(master: Path, today: dt.date, kind: str, public: bool) -> Path:
        from taizhang.jobs import default_notice_path, default_summary_path

        if kind == "notice":
            return default_notice_path(master, today, public)
        if kind == "supervision":
            return master.with_name(f"{master.stem}-督办通知单-{today.isoformat()}.zip")
        return default_summary_path(master, today, public)

    def make_output(master: Path, today: dt.date, kind: str, public: bool, out: Path, progress=None,
                    period: str = "") -> None:
        """The same jobs as `taizhang summary` / `taizhang notice`; the 督办通知单 come as one .zip to download.
        ``progress(done, total, step)``: the job's steps, for the page's bar."""
        from taizhang.jobs import run_notice, run_summary

        if kind == "summary":
            run_summary(master, today, out, public, progress=progress)
        elif kind == "notice":
            run_notice(master, today, out, public=public, steps=progress)
        elif kind == "period":  # `taizhang notice --period`: the office's own 通报 for a month or a quarter
            run_notice(master, today, out, public=public, steps=progress, period=period)
        else:
            import tempfile
            import zipfile

            from taizhang.jobs import write_atomically as atomic_write

            with tempfile.TemporaryDirectory(prefix="taizhang-notices-") as tmp:
                def each(done: int, total: int, file: str) -> None:  # within the write step: one per unit
                    if progress and file:
                        progress(2, 3, f"督办通知单 {done + 1}/{total}：{file}")

                res = run_notice(master, today, Path(tmp) / "通报.docx", units_dir=Path(tmp) / "督办通知单",
                                 steps=progress, progress=each)

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
        if kind not in ("summary", "notice", "supervision", "period"):
            raise WebError("不认识要生成的文件种类。", 400)
        period = str(form.get("period") or "").strip()
        before_writing()
        if kind == "period":
            from taizhang.jobs import period_notice_path

            if not period:
                raise WebError("请填写通报期：按月写 2026-11，按季度写 2026Q4。", 400)
            out = no_links(await run_in_threadpool(period_notice_path, master, period, public))
        else:
            out = no_links(output_path(master, today, kind, public))
        if _wants_json(request):  # the page's button: a job it polls, showing the time taken
            def make(progress) -> str:
                make_output(master, today, kind, public, out, progress, period)
                log.info("%s written: %s", kind, out)
                return out.name

            job = jobs.start_output(kind, master, today, make)
            result = url("/summary", m=master.name, today=today.isoformat(), made=out.name)
            return JSONResponse({"job": job.id, "status": url(f"/api/job/{job.id}"), "result": result}, status_code=202)
        await run_in_threadpool(make_output, master, today, kind, public, out, None, period)
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

    return {"summary_page": summary_page, "summary_make": summary_make, "download": download}
