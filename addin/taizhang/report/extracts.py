"""Extracts of the ledger the office sends on, one small workbook per department.

Two plans ask the office to pass part of the ledger on, each to its own kind of department, and one writer serves
both:

- seed 001 (抄送): "每月20日,报送当月工作推进情况,同时抄送案件涉及领域的行业主管部门" — one extract per 行业主管部门
  (the case's 牵头督办部门), holding its cases;
- seed 003 (归口): "定期向县委办公室报送各自分管系统的清理工作情况及相关材料" — one extract per 归口汇总部门, holding
  the cases and the 报送情况 of the units of its system (the 归口汇总 sheet's unit types).

Each extract has a 单位情况 sheet (per unit: 报送情况, counts and lights) and a 问题清单 sheet (each case: its
progress, deadline and light). Only units, cases and figures go out: no 反映人, phone number or 督办意见.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from taizhang.fields import LIGHT_ZH
from taizhang.report.gongwen import cn_date, safe_file_name
from taizhang.xlsx.xlsxout import BODY_FONT_NAME, FILL, HEADING_FONT_NAME, chinese_default_font, header_row, put, styled

BY_SUPERVISOR, BY_SUMMARY_DEPT = "supervisor", "summary_dept"
KIND_LABEL = {BY_SUPERVISOR: "抄送", BY_SUMMARY_DEPT: "归口汇总"}
CASE_HEADERS = ["问题编号", "责任单位", "问题类别", "问题描述", "交办日期", "整改时限", "剩余工作日", "完成进度（%）",
                "办理进展", "办理状态", "红绿灯"]
CASE_WIDTHS = [16, 18, 16, 40, 12, 12, 10, 10, 36, 10, 9]
UNIT_HEADERS = ["责任单位", "报送情况", "问题数", "已办结", "已销号", "超期（红灯）", "预警（黄灯）", "正常（绿灯）"]
UNIT_WIDTHS = [22, 12, 9, 9, 9, 12, 12, 12]
_ORDER = {LIGHT_ZH[k]: i for i, k in enumerate(("red", "yellow", "green", "long", "done", "closed"))}


@dataclass
class Extract:
    """One department's extract: its cases (ledger rows) and the units it covers."""
    dept: str
    rows: pd.DataFrame
    deadlines: list
    units: list[str] = field(default_factory=list)


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()


def extracts_of(ledger: pd.DataFrame, deadlines: list, by: str, unit_depts: dict[str, str] | None = None) -> list[Extract]:
    """The extracts by ``by`` (``supervisor``: each case's 牵头督办部门; ``summary_dept``: each case's 归口汇总部门,
    and ``unit_depts`` (unit → department) adds the system's units that have no case, e.g. a 零报告)."""
    df = ledger.reset_index(drop=True)
    eff = list(deadlines) + [None] * (len(df) - len(deadlines))
    depts = df[by].map(_text) if by in df and len(df) else pd.Series([""] * len(df), dtype=object)
    if unit_depts and len(df):  # a case not yet given its 归口汇总部门 (made before routing): its unit's system
        depts = pd.Series([d or unit_depts.get(_text(u), "") for d, u in zip(depts, df["unit"])], dtype=object)
    names = list(dict.fromkeys([d for d in depts if d] + sorted({d for d in (unit_depts or {}).values() if d})))
    out = []
    for dept in names:
        mask = (depts == dept).to_numpy() if len(df) else []
        rows = df[mask] if len(df) else df
        idx = [i for i, m in enumerate(mask) if m]
        units = list(dict.fromkeys([u for u, d in (unit_depts or {}).items() if d == dept]
                                   + sorted({_text(u) for u in rows["unit"] if _text(u)})))
        out.append(Extract(dept, rows, [eff[i] for i in idx], units))
    return out


def extract_path(folder: Path, stem: str, by: str, dept: str, day: dt.date) -> Path:
    return Path(folder) / f"{stem}-{KIND_LABEL[by]}-{safe_file_name(dept)}-{day.isoformat()}.xlsx"


def _case_rows(e: Extract) -> list[list]:
    rows = []
    columns = list(e.rows.columns)
    # each row as iterrows gives it (a row of ``.values``), without making a Series of it
    for r, deadline in zip((dict(zip(columns, v)) for v in e.rows.values), e.deadlines):
        rows.append([_text(r.get("case_id")), _text(r.get("unit")), _text(r.get("category")), _text(r.get("description")),
                     r.get("assigned"), deadline, r.get("remaining"), r.get("progress"), _text(r.get("progress_note")),
                     _text(r.get("status")), _text(r.get("light"))])
    rows.sort(key=lambda x: (_ORDER.get(x[10], 9), x[1], x[0]))
    return rows


def _unit_rows(e: Extract, states: dict[str, str]) -> list[list]:
    by_unit: dict[str, list[str]] = {}  # unit → its cases' lights, the rows read once
    if len(e.rows):
        lights = e.rows["light"] if "light" in e.rows else [""] * len(e.rows)
        for u, v in zip(e.rows["unit"], lights):
            by_unit.setdefault(_text(u), []).append(_text(v))
    out = []
    for unit in e.units:
        mine = by_unit.get(unit, [])
        out.append([unit, states.get(unit, ""), len(mine), *(mine.count(LIGHT_ZH[k]) for k in
                                                             ("done", "closed", "red", "yellow", "green"))])
    return out


def write_extract(path: Path, e: Extract, by: str, campaign: str, office: str, as_of: dt.date,
                  states: dict[str, str] | None = None, quote: str = "") -> Path:
    """One department's extract workbook (单位情况, 问题清单), each sheet titled and dated."""
    wb = Workbook()
    chinese_default_font(wb)
    title = (f"{campaign}案件办理情况（抄送{e.dept}）" if by == BY_SUPERVISOR
             else f"{campaign}{e.dept}分管系统清理工作情况")
    note = f"{office}，截至{cn_date(as_of)}。" + (f"方案：“{quote}”" if quote else "")
    cases = _case_rows(e)
    units = _unit_rows(e, states or {})
    for ws, headers, widths, rows in ((wb.active, UNIT_HEADERS, UNIT_WIDTHS, units),
                                      (wb.create_sheet(), CASE_HEADERS, CASE_WIDTHS, cases)):
        ws.title = "单位情况" if headers is UNIT_HEADERS else "问题清单"
        put(ws, 1, 1, title).font = Font(name=HEADING_FONT_NAME, bold=True, size=14)
        put(ws, 2, 1, note).font = Font(name=BODY_FONT_NAME, size=10)
        header_row(ws, 3, headers, widths)
        for r, values in enumerate(rows or [["（没有问题）"] + [None] * (len(headers) - 1)], 4):
            for c, v in enumerate(values, 1):
                cell = put(ws, r, c, v)
                styled(cell, ("extract", cell.number_format), lambda x: None)
            light = values[-1] if headers is CASE_HEADERS else None
            fill = {LIGHT_ZH[k]: k for k in ("red", "yellow", "green")}.get(light or "")
            if fill:
                ws.cell(row=r, column=len(headers)).fill = FILL[fill]
        ws.freeze_panes = "A4"
        ws.print_title_rows = "3:3"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToHeight = 0
        ws.column_dimensions[get_column_letter(len(headers) + 1)].width = 2
    wb.save(path)
    return path


def write_extracts(ledger: pd.DataFrame, deadlines: list, by: str, folder: Path, stem: str, as_of: dt.date,
                   campaign: str, office: str, unit_depts: dict[str, str] | None = None,
                   reports: list[list] | None = None, quote: str = "") -> list[Path]:
    """Every department's extract beside the summary (``folder``), atomically each; returns the paths written."""
    from taizhang.xlsx.storage import atomic_write

    states = {_text(r[0]): _text(r[2]) for r in (reports or []) if r and len(r) > 2}
    written = []
    for e in extracts_of(ledger, deadlines, by, unit_depts):
        path = extract_path(folder, stem, by, e.dept, as_of)
        atomic_write(path, lambda tmp, e=e: write_extract(tmp, e, by, campaign, office, as_of, states, quote))
        written.append(path)
    return written


__all__ = ["BY_SUMMARY_DEPT", "BY_SUPERVISOR", "Extract", "extract_path", "extracts_of", "write_extract", "write_extracts"]
