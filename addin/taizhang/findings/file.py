"""Finding codes: 文件. A file as a whole: it cannot be read, is not a ledger, or whose sender is unknown.

Each code has its severity, the title messages use, the short meaning and the 处理办法 the office
reads in docs/codes.md (generated from these lists: ``python -m taizhang.findings.reference``)."""

from taizhang.findings.code import Code

LEVEL = "文件"

CODES = [
    Code("file-unreadable", "error", "文件无法读取（损坏或被截断）",
         "文件无法读取",
         "文件已损坏或被截断（传输中断、U 盘拔出过早）。请让报送单位用 Excel 打开确认后重新保存并报送。"),
    Code("file-encrypted", "error", "文件已加密（设置了打开密码）",
         "文件已加密",
         "报送表设置了打开密码，无法读取（.xlsx、.xls 和 .ods 都是如此）。请报送单位取消密码（文件→信息→保护工作簿→用密码进行加密，清空）后重新报送，或由办公室输入密码后另存"
         "一份不加密的副本。工作表保护（只防修改）不影响读取。"),
    Code("file-default-password", "info", "文件用 Excel 默认密钥加密（修改权限密码或保护工作簿），已照常读取",
         "Excel 默认密钥加密，已照常读取",
         "报送单位只设置了修改权限密码或保护了工作簿结构时，Excel 会用内置的默认密钥（VelvetSweatshop）加密保存文件（多见于 .xls），打开时不要求输入密码。"
         "台账助手像 Excel 一样直接读取，无需处理。设置了真正打开密码的文件仍提示 `file-encrypted`。"),
    Code("file-not-workbook", "error", "不是 Excel/WPS 表格文件",
         "不是表格文件",
         "文件内容不是 Excel/WPS 表格（如改了扩展名的 Word 文档、网页、压缩包、.xlsb）。请报送 .xlsx 格式的台账。"),
    Code("file-too-old", "error", "很旧的 Excel 格式（Excel 2.x–4.0），需另存为 .xlsx",
         "很旧的 Excel 格式",
         "文件是 Excel 2.x–4.0（1987—1994 年）的工作表格式，台账助手无法读取。请报送单位用 Excel 或 WPS 打开后“另存为”Excel 工作簿（.xlsx）再报"
         "送。"),
    Code("file-too-large", "error", "文件解压后过大或含危险结构，已拒绝",
         "文件过大或含危险结构",
         "文件解压后体积异常（“压缩炸弹”）或含 XML 实体声明（“实体炸弹”），正常的 Excel 文件不会如此。已拒绝读取，请报送单位用 Excel 重新保存。"),
    Code("sheet-range-too-large", "error", "工作表的使用范围过大（远处有零散内容），已拒绝",
         "工作表使用范围过大",
         "工作表在远离表格的位置（如 XFD1048576 或 IV65536 格）有内容，使用范围因此达到数百万乃至上百亿个单元格，读取会耗尽内存。提示中写明这些单元格的位置。请报送单位删除"
         "表格以外的内容或多余的行列，保存后重新报送。"),
    Code("file-skipped", "info", "已跳过的非台账文件（锁定文件、临时文件等）",
         "已跳过的非报送文件",
         "Excel/WPS 打开文件时产生的 `~$` 锁定文件、临时文件、说明文字等，不是报送表，自动跳过。"),
    Code("file-extension-mismatch", "warning", "文件扩展名与实际格式不符",
         "扩展名与格式不符",
         "如 .xlsx 文件被改名为 .xls。台账助手按实际格式读取，无需处理；建议报送单位恢复正确的扩展名。"),
    Code("file-empty", "error", "空文件（0 字节）",
         "空文件",
         "文件大小为 0 字节，通常是拷贝或下载未完成。请让报送单位重新发送。"),
    Code("no-ledger-sheet", "error", "未找到台账工作表或表头",
         "未找到台账表",
         "所有可见工作表中都没有找到包含“问题编号、责任单位、问题类别、问题描述、办理状态”等列的表头。请使用办公室下发的填报模板。隐藏的工作表不会被当作数据读取。"),
    Code("preset-unknown", "error", "无法判断文件属于哪个专项行动",
         "无法判断专项行动",
         "没有指定台账总表或预案，而文件中的问题类别不属于任何内置预案，或同样符合两个预案，无法判断按哪个专项行动的规则校验。"
         "请用 --preset 指定预案（如 --preset sanluan），或用 --master 指定台账总表。"),
    Code("validate-not-run", "error", "未能校验：命令的参数或台账总表有误",
         "参数或台账总表有误，未校验",
         "`taizhang validate --json` 没能开始校验：参数有误（如预案名称写错、--today 不是日期、缺少要校验的文件），或 --master 给出的台账总表打不开、"
         "不是台账总表、其“列名对照”“状态对照”表有误。提示中写明原因，文件本身未读取。请按提示改正后重新运行。"),
    Code("unit-unidentified", "error", "无法确定报送单位",
         "无法确定报送单位",
         "责任单位列、表头上方的“填报单位：”行和文件名都没有成员单位名单中的名称或别名。请在文件名或“填报单位”中写明单位全称，或在“成员单位”表中补充别名。"),
    Code("unit-identified", "info", "报送单位的识别依据",
         "报送单位的识别依据",
         "说明报送单位是根据责任单位列、“填报单位”行还是文件名识别的，便于核对。"),
    Code("evidence-refused", "warning", "佐证材料未归档（退回）",
         "佐证材料退回",
         "报送文件夹中的佐证材料（“佐证材料”文件夹里的文件、以问题编号命名的文件、压缩包中的文件）没有归入问题：问题编号不在台账中、是其他单位的问题、文件名或压缩包路径"
         "不安全（含“..”、绝对路径、符号链接）、疑似压缩炸弹、超过大小上限或已加密。提示写明原因，台账总表“佐证材料清单”记为“退回”。请让报送单位按问题编号命名后重新报送。"),
]
