"""Finding codes: 交办与办公室审批. The office's own steps on a case: 交办, 转办, clues, and what units may only ask for.

Each code has its severity, the title messages use, the short meaning and the 处理办法 the office
reads in docs/codes.md (generated from these lists: ``python -m taizhang.findings.reference``)."""

from taizhang.findings.code import Code

LEVEL = "交办与办公室审批"

CODES = [
    Code("case-assigned", "info", "问题已编号并交办",
         "已交办",
         "`taizhang assign` 给办公室登记的问题（或线索）编了问题编号并交办给责任单位；提示写明编号、单位和确定单位的依据（台账中填写的单位、线索“涉及单位”列、线索内容中出现"
         "的单位名称或别名、办公室在“待指定单位”表中的指定）。"),
    Code("case-transferred", "info", "问题已转办",
         "已转办",
         "办公室在台账中改了已交办问题的责任单位：变更记录记一条“转办”，接收单位的交办通知单注明转办，原单位的下一期模板不再带这个问题。"),
    Code("clue-unit-unclear", "warning", "线索无法确定责任单位，待办公室指定",
         "线索无法确定责任单位",
         "线索里没有出现任何成员单位的名称或别名、出现了多个单位，或“涉及单位”不在名单中。台账助手不猜测：线索列入台账总表的“待指定单位”表（附候选单位），在“指定单位”列填写单位后再次运行"
         " `taizhang assign` 即交办；也可在“成员单位”表中补充别名。"),
    Code("clue-duplicate", "warning", "线索与已有问题重复，未新增",
         "线索与已有问题重复",
         "同一责任单位已有问题描述（或涉及主体）几乎相同的问题，相似度达到“参数设置”中的“重复线索相似度”，只提醒、不新增。提示列出两者。如确属不同问题，把它写进台账（问题编号留空）后再次交"
         "办。"),
    Code("assign-needs-input", "warning", "交办的问题缺少办公室应填写的内容",
         "交办的问题缺少办公室应填写的内容",
         "问题已交办，但问题类别或线索来源为空（牵头督办部门按类别确定），或责任单位不在成员单位名单中。请在提示所指的台账行补填。"),
    Code("deadline-change-request", "warning", "单位申请变更整改时限，待办公室审批",
         "申请变更整改时限",
         "已有问题的整改时限被报送单位改动。改动不直接生效，列入台账总表的“待审批”表和合并结果；办公室同意的，在台账中该问题的“延期至”填新日期并填写“延期审批人”，下次计算即按延期后的时限"
         "。新问题的整改时限照常采用单位所填。"),
    Code("case-of-other-unit", "error", "问题编号属于其他单位的问题",
         "问题属于其他单位",
         "报送行的问题编号是另一个单位的问题，该行不予合并（退回）。如问题确已移交本单位，请联系办公室在台账总表中修改责任单位；否则请更正问题编号或删除该行。"),
    Code("unit-change-ignored", "warning", "报送表改动了责任单位，未采用",
         "责任单位改动未采用",
         "已有问题的责任单位只能由办公室在台账总表中修改；报送表中改写的责任单位不予采用，该行其余内容照常合并。"),
]
