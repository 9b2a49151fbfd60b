"""The names and headers of the master workbook's sheets: the one place that owns them.

Every module that reads or writes a master's sheet takes its name from here,
so a sheet is renamed in one line and no module needs another's internals.
"""

S_README, S_SETTINGS, S_UNITS, S_CATEGORIES = "说明", "参数设置", "成员单位", "问题类别"
S_LISTS, S_PHASES, S_ROUTING, S_HOLIDAYS, S_LEDGER = "代码表", "工作阶段", "归口汇总", "节假日", "台账"
S_REPORTS, S_REJECTS, S_CHANGES, S_HISTORY = "报送情况", "退回清单", "变更记录", "历史统计"
# 代码表: the lists the 台账's drop-downs take their values from, one column each; 整改方式 came last (a master made
# before it gets the column on its next save, in the first free column: book/ledger_sheet.py)
LIST_HEADERS = ["线索来源", "复杂程度", "办理状态", "线索来源出处", "整改方式"]
MODE_LIST_HEADER = LIST_HEADERS[4]
S_CALENDAR = "工作日历"  # hidden: the working days for plain formulas (book/calendar_sheet.py)
S_APPROVALS, S_RECEIPTS = "待审批", "文件接收记录"  # 待审批: units' open requests (book.trail.approval_rows)
S_CLOSURES = "待销号确认"  # a unit's 销号申请 where the office closes cases (book/closures.py)
S_UNASSIGNED = "待指定单位"  # clues whose unit 交办 would not guess (book/assign.py)
# seed 001: the cases units asked 区级协调 for (and those the office flagged), for the office's 区级层面 meeting; written
# from 审批台账 and 台账 on every run (book.trail.coord_rows), never read back: the office decides in 台账's 区级协调
S_COORD = "区级协调事项"
COORD_HEADERS = ["问题编号", "责任单位", "问题类别", "问题描述", "涉及金额（万元）", "整改时限", "办理状态", "红绿灯", "提出",
                 "申请理由", "申请日期", "来源文件", "办公室决定"]
S_REMINDERS = "提醒"  # warnings of the last merge, imported as they were
S_RESULTS = "校验结果"  # in a checked or marked copy of a unit's file, not in the master
# 文件接收记录 (hidden): when taizhang first saw each submission, by content; 送达不早于 is the last merge before that
RECEIPT_HEADERS = ["文件", "内容指纹", "首次见到", "送达不早于", "最近见到"]

HISTORY_HEADERS = ["报送日", "责任单位", "问题总数", "已办结", "已销号", "红灯", "黄灯", "绿灯", "处置措施"]
LADDER_HEADERS = ["顺序", "措施", "方案原文", "性质"]  # 性质: 按时限递进 or 按情节由办公室选择
S_LADDER = "问责阶梯"
LISTING_MARK = "单列"  # 顺序 of the 问责阶梯 row that holds the case-level 挂牌督办
S_SPOT = "抽查清单"
# 列名对照 (the office's, optional): a unit's own column name → the ledger field it means, used when reading
S_COLUMN_NAMES = "列名对照"
COLUMN_NAME_HEADERS = ["单位的列名", "台账字段"]
# 状态对照 (the office's, optional): a word units write in 办理状态 → the campaign's status it means
S_STATUS_WORDS = "状态对照"
STATUS_WORD_HEADERS = ["单位的写法", "办理状态"]
CHANGE_HEADERS = ["问题编号", "字段", "原值", "新值", "责任单位", "来源文件", "报送日"]
UNIT_HEADERS = ["单位名称", "单位类型", "别名", "单位代码", "联系人", "联系电话"]  # contacts: for 催报 (book.reminders)
CATEGORY_HEADERS = ("问题类别", "牵头督办部门", "说明")  # 牵头督办部门 only where a category has one (book.master)
# how offices head 问题类别's columns (name, 牵头督办部门, 说明), the written header first; a column headed 说明/备注 is
# never a department (book.master._category_columns)
CATEGORY_ALIASES = (("问题类别", "类别", "问题类别名称", "问题类型", "类别名称"),
                    ("牵头督办部门", "督办部门", "牵头部门", "主管部门", "牵头督办单位", "行业主管部门", "督办单位"),
                    ("说明", "备注", "类别说明"))
HOLIDAY_HEADERS = ["日期", "类型", "说明"]
APPROVAL_HEADERS = ["问题编号", "责任单位", "现整改时限", "申请整改时限", "来源文件", "工作表", "行号", "报送日", "办理方式",
                    "申请理由"]
CLOSURE_HEADERS = ["问题编号", "责任单位", "问题描述", "办结日期", "销号申请", "销号审核人", "销号日期", "说明"]
# the office decides a request on 待审批 / 待销号确认 in these columns; the next run applies it (book/trail.py)
DECISION_HEADERS = ["决定", "决定人", "决定意见"]
APPROVAL_HEADERS = APPROVAL_HEADERS + ["申请事项"] + DECISION_HEADERS
CLOSURE_HEADERS = CLOSURE_HEADERS + DECISION_HEADERS
# 审批台账: append-only, one row per unit request and per office decision or record (book/trail.py); others read it
# by header, rows matched on 问题编号
S_TRAIL = "审批台账"
TRAIL_HEADERS = ["序号", "问题编号", "责任单位", "事项", "申请内容", "申请理由", "申请日期", "来源文件", "决定", "决定人",
                 "决定日期", "决定意见", "变更内容", "记录日期"]
UNASSIGNED_HEADERS = ["来源文件", "行号", "线索内容", "线索来源", "线索日期", "涉及单位（原文）", "候选单位", "原因",
                      "反映人", "反映人电话", "指定单位（办公室填写）", "原始编号", "办理时限",
                      # a unit's 不属本单位 (book.trail): the case it is about and who in the office decided
                      "问题编号", "决定人", "决定意见"]
REMINDER_HEADERS = ["提醒类别", "代码", "责任单位", "来源文件", "工作表", "行号", "列", "原值", "说明"]
REJECT_HEADERS = ["责任单位", "来源文件", "工作表", "行号", "问题编号", "问题描述", "退回原因"]

S_REMIND_LOG = "催办记录"  # every reminder the office confirmed as sent (book.reminders)
S_ROLLUP = "下级台账汇总"  # the last roll-up of lower masters: each file and each case not taken (book.rollup)
REMIND_LOG_HEADERS = ["日期", "单位名称", "类别", "方式", "报送期", "内容"]

# 材料报送: the plan's dated materials (one row each; the office adds its own), and who has sent each (book.materials)
S_MATERIALS = "材料报送"
MATERIAL_HEADERS = ["材料名称", "截止日期", "报送单位", "报送对象", "方案原文", "识别词", "已报送单位", "未报送单位"]
# 佐证材料清单: every piece of evidence merged (filed under its case, by content) or refused, with its reason (book.evidence)
S_EVIDENCE = "佐证材料清单"
EVIDENCE_HEADERS = ["问题编号", "责任单位", "文件名", "内容指纹", "大小（字节）", "首次收到", "最近收到", "来源", "状态", "说明"]
# 审批台账 (#31, the ``trail`` work): the append-only ledger of units' requests and the office's decisions; the 销号
# pack reads it by header, rows matched on 问题编号 (book.pack)
S_TRAIL = "审批台账"
# The master's tabs, in this order, and how each is shown: the office's working sheets first (what a report day
# reads and fills), then its settings (grey tabs, grouped after the working sheets), then the technical sheets taizhang
# keeps for itself, hidden (right-click a tab → 取消隐藏 shows them). A sheet taizhang adds later is placed by this
# list, after the last sheet that precedes it here; sheets already in a master are never moved (the office may have
# arranged them) and the office's own sheets keep their place. A new sheet joins by one line.
WORK, SETTING, HIDDEN = "工作表", "设置", "隐藏"
SHEET_LAYOUT: list[tuple[str, str]] = [
    (S_LEDGER, WORK),
    (S_REPORTS, WORK),
    (S_REJECTS, WORK),
    (S_REMINDERS, WORK),
    (S_APPROVALS, WORK),
    (S_COORD, WORK),
    (S_CLOSURES, WORK),
    (S_UNASSIGNED, WORK),
    (S_SPOT, WORK),
    (S_CHANGES, WORK),
    (S_REMIND_LOG, WORK),
    (S_MATERIALS, WORK),
    (S_EVIDENCE, WORK),
    (S_TRAIL, WORK),
    (S_ROLLUP, WORK),
    (S_README, SETTING),
    (S_SETTINGS, SETTING),
    (S_UNITS, SETTING),
    (S_CATEGORIES, SETTING),
    (S_PHASES, SETTING),
    (S_HOLIDAYS, SETTING),
    (S_COLUMN_NAMES, SETTING),
    (S_STATUS_WORDS, SETTING),
    (S_LISTS, HIDDEN),  # the drop-downs' values: read by the 台账's validations, rarely edited
    (S_ROUTING, HIDDEN),
    (S_LADDER, HIDDEN),
    (S_CALENDAR, HIDDEN),
    (S_RECEIPTS, HIDDEN),
    (S_HISTORY, HIDDEN),
]
SHEET_ORDER = [name for name, _ in SHEET_LAYOUT]
HIDDEN_SHEETS = {name for name, kind in SHEET_LAYOUT if kind == HIDDEN}
SETTING_SHEETS = {name for name, kind in SHEET_LAYOUT if kind == SETTING}
SETTING_TAB_RGB = "FFBFBFBF"  # the settings' tabs are grey: the group the office seldom opens
