"""Finding codes: 工作表与表头. The ledger sheet and its header row: columns taizhang does not know, lacks, or finds twice.

Each code has its severity, the title messages use, the short meaning and the 处理办法 the office
reads in docs/codes.md (generated from these lists: ``python -m taizhang.findings.reference``)."""

from taizhang.findings.code import Code

LEVEL = "工作表与表头"

CODES = [
    Code("sheet-not-read", "warning", "另一张工作表也像台账，未读取",
         "另一张台账工作表未读取",
         "一个报送文件只读取一张台账工作表（表头认出的列最多、行数最多的一张）。其他也有台账表头和问题行的工作表逐张列明，不导入。"
         "如其中有本期问题，请报送单位把这些行并入已读取的工作表，或另存为单独的文件报送。"),
    Code("statistics-sheet", "info", "统计表，不是问题清单，未读取",
         "统计表未读取",
         "工作表的表头中有台账列名，但表头下多为数字（如各类别的件数、金额统计），是统计表而不是逐件的问题清单，不当作问题读取。"),
    Code("unknown-column", "warning", "无法识别的列（已保留，未导入台账）",
         "无法识别的列",
         "表头不是台账字段，也不是已知的别名。该列保留在报告中，不导入台账。如确是台账字段，请改用模板中的列名或请维护人员补充别名。"),
    Code("duplicate-column", "warning", "同一字段出现多列",
         "同一字段出现多列",
         "两列的表头对应同一个台账字段（如“责任单位”和“责任部门”），只导入第一列。请删除多余的列。"),
    Code("missing-column", "error", "缺少必填列",
         "缺少必填列",
         "表中没有“问题类别”“问题描述”或“办理状态”列，所有行都无法导入。请使用办公室下发的填报模板。"),
    Code("repeated-header", "warning", "数据中再次出现表头行（疑似粘贴了第二张表）",
         "数据中再次出现表头",
         "数据区中又出现一行表头（常见于粘贴了第二张表），该行跳过，其后的行照常读取。请核对是否重复报送。"),
    Code("formula-no-value", "warning", "公式单元格没有计算结果",
         "公式没有计算结果",
         "单元格是公式但文件中没有保存计算结果（多见于程序生成的文件）。台账助手从不执行报送表中的公式，该格按空值处理。请在 Excel 中打开并保存后重新报送，或直接填写数值。"),
    Code("cell-outside-table", "warning", "远在表格之外的零散内容，未读取",
         "表格之外的零散内容",
         "工作表在远离表格的位置（如 XFD1048576 格，与表格隔着上千行或上百列）有个别单元格有内容，多为误输入。为免整个使用范围（可达上百亿格）耗尽内存，这些单元格不读取，提示写明位"
         "置和内容，表格本身照常读取。如是台账内容，请移到表格中；否则请删除后保存。零散内容超过 20 格、或表格本身就超过 500 万格时，整个文件以 `sheet-range-too-la"
         "rge` 拒绝。"),
]
