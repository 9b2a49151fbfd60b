"""工作日计算器: N working days or M months after a date, with the days off and worked in between."""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from taizhang.doors.web.state import WebState
from taizhang.doors.web.views import WebError


def endpoints(st: WebState) -> dict:
    pick_master = st.pick_master
    today_of = st.today_of
    render = st.render

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

    return {"workday_page": workday_page}
