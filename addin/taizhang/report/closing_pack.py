"""The 销号审定材料: one case's file as a .docx for the leading group's 审定核准 (``book.pack.CaseFile`` laid out).

A4 portrait in the 公文 layout and fonts of ``report.gongwen`` (GB/T 9704-2012): the title, a sentence on what is
put forward, then 一、问题基本情况 (the case's filled fields), 二、办理经过 (its 变更记录), 三、申请与审批 (its rows
of 审批台账, and the approvals 台账 holds), 四、佐证材料 (each piece: name, the first 16 characters of its SHA-256,
when it was first and last received), 五、审定意见 (blank, for the group's opinion and signature), and the
office's 落款. Tables use 五号 so ids, digests and dates fit their columns.
"""

from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from taizhang.report.gongwen import Gongwen, safe_file_name

SMALL = Pt(10.5)  # 五号


def pack_path(folder: str | Path, case_id: str) -> Path:
    return Path(folder) / f"销号审定材料-{safe_file_name(case_id)}.docx"


def build_pack(cf) -> Gongwen:
    doc = Gongwen(f"{cf.campaign}\n问题销号审定材料")
    state = f"现办理状态为“{cf.status}”" if cf.status else "办理状态未填写"
    doc.para(f"{cf.unit or '责任单位'}承办的问题“{cf.case_id}”{state}，申请销号。现将该问题的基本情况、办理经过、"
             f"申请与审批记录和佐证材料整理如下，报请领导小组审定核准。")
    doc.heading1("问题基本情况")
    doc.table(["项目", "内容"], [[h, v] for h, v in cf.fields] or [["问题编号", cf.case_id]], widths_mm=[36, 120],
              size=SMALL)
    doc.heading1("办理经过")
    if cf.history:
        doc.para(f"据台账总表“变更记录”，该问题共有{len(cf.history)}条记录：")
        doc.table(["报送日", "事项", "原值", "新值", "来源文件"], cf.history, widths_mm=[26, 26, 30, 40, 34], size=SMALL)
    else:
        doc.para("台账总表“变更记录”中没有该问题的记录。")
    doc.heading1("申请与审批")
    if cf.trail:
        doc.para(f"据台账总表“审批台账”，该问题的申请和办公室决定共{len(cf.trail)}条：")
        doc.table(["申请日期", "事项", "申请内容\n及理由", "决定", "决定人", "决定日期", "决定意见"],
                  [[r[0], r[1], "；".join(x for x in (r[2], r[3]) if x), r[4], r[5], r[6], "；".join(x for x in (r[7], r[8]) if x)]
                   for r in cf.trail], widths_mm=[26, 14, 34, 16, 16, 26, 24], size=SMALL)
    else:
        doc.para("台账总表“审批台账”中没有该问题的申请和决定记录。" if cf.trail_sheet else "台账总表中没有“审批台账”。")
    if cf.approvals:
        doc.para("台账中记载的审批：" + "；".join(f"{a[0]}，审批人{a[1] or '（未填写）'}" + (f"，{a[2]}" if a[2] else "")
                                          for a in cf.approvals) + "。")
    doc.heading1("佐证材料")
    if cf.evidence:
        doc.para(f"归档佐证材料{len(cf.evidence)}件，存放在台账总表旁的“佐证材料”文件夹中该问题编号的文件夹内"
                 f"（内容指纹为 SHA-256 的前16位，可据以核对文件未被改动）：")
        doc.table(["序号", "文件名", "内容指纹", "首次收到", "最近收到"],
                  [[str(i), e[0], e[1][:16], e[3], e[4]] for i, e in enumerate(cf.evidence, 1)],
                  widths_mm=[12, 54, 38, 26, 26], size=SMALL)
    else:
        doc.para("没有归档的佐证材料。")
    if cf.evidence_ref:
        doc.para(f"单位填报的佐证文号或链接：{cf.evidence_ref}。")
    if cf.missing:
        doc.para(f"注意：该问题已{'、'.join(cf.missing)}，按本专项行动“佐证材料要求”须有佐证材料，目前既没有归档的佐证材料，"
                 f"也没有佐证文号或链接。")
    doc.heading1("审定意见")
    doc.para("领导小组审定意见：")
    doc.blank().blank()
    doc.para("组长（签字）：　　　　　　　　　　年　　月　　日")
    return doc.signature(cf.office, cf.day)


def write_pack(cf, folder: str | Path) -> Path:
    Path(folder).mkdir(parents=True, exist_ok=True)
    return build_pack(cf).save(pack_path(folder, cf.case_id))
