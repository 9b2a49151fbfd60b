"""Finding codes: 报送日. A unit's submission on report day: zero reports, late and missing reports.

Each code has its severity, the title messages use, the short meaning and the 处理办法 the office
reads in docs/codes.md (generated from these lists: ``python -m taizhang.findings.reference``)."""

from taizhang.findings.code import Code

LEVEL = "报送日"

CODES = [
    Code("zero-report", "info", "零报告",
         "零报告",
         "单位本期报送了零报告（没有问题行，或写明“零报告/无问题”）。办公室将按规定抽查。"),
    Code("late-report", "warning", "逾期报送",
         "逾期报送",
         "文件送达报送文件夹的时间（台账助手第一次见到该文件的日期，记在台账总表的隐藏表“文件接收记录”中）或文件中写明的“填报日期”晚于本期报送截止日（参数设置中的报送周期和截止日）。“报送"
         "情况”注明依据哪一项；文件的修改时间在复制时会变，不作为依据。"),
    Code("missing-report", "warning", "未报送",
         "未报送",
         "成员单位本期没有报送文件（零报告也算报送）。"),
    Code("settings-migrated", "warning", "旧版本台账总表的默认设置已按方案更正",
         "旧版本台账总表的默认设置已按方案更正",
         "台账总表由旧版本台账助手创建（“参数设置”中没有“设置版本”一行），当时所有专项行动都默认签收3个工作日、反馈5个工作日、"
         "实行零报告。本专项行动方案没有这些规定的，打开时已改为方案的设置，保存时写入“设置版本”，此后不再更改。"
         "如办公室确需签收、反馈时限或零报告，请在“参数设置”中重新填写。"),
]
