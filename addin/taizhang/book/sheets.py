"""The names and headers of the master workbook's sheets: the one place that owns them.

Every module that reads or writes a master's sheet takes its name from here,
so a sheet is renamed in one line and no module needs another's internals.
"""

S_README, S_SETTINGS, S_UNITS, S_CATEGORIES = "说明", "参数设置", "成员单位", "问题类别"
S_LISTS, S_PHASES, S_ROUTING, S_HOLIDAYS, S_LEDGER = "代码表", "工作阶段", "归口汇总", "节假日", "台账"
S_REPORTS, S_REJECTS, S_CHANGES, S_HISTORY = "报送情况", "退回清单", "变更记录", "历史统计"
S_CALENDAR = "工作日历"  # hidden: the working days for plain formulas (book/calendar_sheet.py)
S_PENDING, S_RECEIPTS = "待审批", "文件接收记录"
# 文件接收记录 (hidden): when taizhang first saw each submission, by content; 送达不早于 is the last merge before that
RECEIPT_HEADERS = ["文件", "内容指纹", "首次见到", "送达不早于", "最近见到"]

HISTORY_HEADERS = ["报送日", "责任单位", "问题总数", "已办结", "已销号", "红灯", "黄灯", "绿灯", "处置措施"]
LADDER_HEADERS = ["顺序", "措施", "方案原文"]
S_LADDER = "问责阶梯"
LISTING_MARK = "单列"  # 顺序 of the 问责阶梯 row that holds the case-level 挂牌督办
S_SPOT = "抽查清单"
CHANGE_HEADERS = ["问题编号", "字段", "原值", "新值", "责任单位", "来源文件", "报送日"]
UNIT_HEADERS = ["单位名称", "单位类型", "别名", "单位代码"]
HOLIDAY_HEADERS = ["日期", "类型", "说明"]
