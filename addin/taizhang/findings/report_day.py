"""Finding codes: 报送日. A unit's submission on report day: zero reports, late and missing reports, a unit's several
files (the latest used, the others superseded) and last period's file sent again.

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
    Code("file-superseded", "warning", "已被同单位较新的文件取代",
         "同一单位本期报送了多份文件",
         "同一单位的报送文件夹里有两份以上文件（如“定稿”和“修改”），只合并最新的一份：先看台账助手第一次见到各文件的日期（“文件接收记录”），"
         "再看文件所填“填报日期”，再看文件内记录的保存时间（复制、转发不会改变；文件的修改时间会变，不作依据）。较早的文件不合并、"
         "其中的行不列入退回清单。如两份文件内容不同、都需要合并，请单位合成一份后重新报送。"),
    Code("file-order-unknown", "error", "无法判断同一单位的哪份文件在后",
         "同一单位的多份文件无法判断先后",
         "同一单位的多份文件在同一天首次收到，填报日期和文件内的保存时间也无法区分先后，台账助手不猜测，这些文件本次都未合并。"
         "请办公室确认哪一份作废，从报送文件夹中删去（或请单位合成一份）后重新合并。"),
    Code("file-resent", "error", "重复报送上期文件",
         "重复报送上期文件",
         "文件内容与上一报送期已收到的文件完全相同（按“文件接收记录”中的内容指纹），多半是误发了上期的台账。本期不重复合并，"
         "该单位记为文件被退回；请单位报送本期台账。"),
]
