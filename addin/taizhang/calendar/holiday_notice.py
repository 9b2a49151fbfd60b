"""The State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知), read as an office pastes it.

Each November the notice for the next year is published before any library carries it; until then every
deadline in that year is an estimate. ``parse_notice`` reads the notice's numbered items, in the form the
notices have used for years::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
    一、元旦：1月1日（周五）放假，与周末连休。
    一、元旦：1月1日（周三）放假1天，不调休。

into the days off (放假) and the make-up working days (上班) of each holiday. Nothing is taken on trust:
the weekday the notice writes beside a date must be that date's weekday in the year read (a wrong year shows
at once), "共N天" must count the days of the range, a 上班 day must be a weekend day, and a sentence that
names a date without 放假 or 上班 (the notices' "鼓励…安排职工在除夕（2月9日）休息") is listed as not applied.
What was read is shown to the office before it is used (``taizhang holidays``).

>>> s = parse_notice("国务院办公厅关于2026年部分节假日安排的通知\\n一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。")
>>> s.year, [(i.name, len(i.off), [str(d) for d in i.work]) for i in s.items], s.problems
(2026, [('元旦', 3, ['2026-01-04'])], [])
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# the 说明 every row taken from a notice carries on the 节假日 sheet; a year with such rows is no longer estimated
NOTICE_MARK = "国务院办公厅通知"

_WEEKDAYS = "一二三四五六日"
_ITEM = re.compile(r"(?:^|(?<=[\n。；]))\s*([一二三四五六七八九十]{1,3})\s*[、.．]\s*([^：:\n。]{1,12}?)\s*[：:]")
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日(?:\s*[（(]([^）)]*)[）)])?")
_YEAR = re.compile(r"(\d{4})\s*年\s*(?:部分)?\s*节假日安排|现将\s*(\d{4})\s*年")
_COUNT = re.compile(r"共\s*(\d{1,2})\s*天|放假\s*(\d{1,2})\s*天")
_WEEKDAY_NOTE = re.compile(r"(?:周|星期)([一二三四五六日天])")
_DIGITS = str.maketrans("０１２３４５６７８９：", "0123456789:")


@dataclass
class NoticeItem:
    """One holiday of the notice: its name, the days off and the make-up working days, and where it was read."""
    name: str
    off: list[dt.date] = field(default_factory=list)
    work: list[dt.date] = field(default_factory=list)
    line: int = 0
    text: str = ""


@dataclass
class NoticeSchedule:
    """What a notice says for one year; ``problems`` are contradictions the office must look at before using it,
    ``ignored`` the sentences that name a date but set no day off or working day."""
    year: int | None
    items: list[NoticeItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def days(self) -> dict[dt.date, bool]:
        """Every date the notice sets: False for 放假, True for 上班."""
        out: dict[dt.date, bool] = {}
        for item in self.items:
            out.update({d: False for d in item.off})
            out.update({d: True for d in item.work})
        return out

    def rows(self) -> list[list]:
        """节假日 sheet rows (日期, 类型, 说明), in date order."""
        names = {}
        for item in self.items:
            for d in item.off:
                names[d] = (d, "放假", f"{NOTICE_MARK}（{self.year}年）：{item.name}")
            for d in item.work:
                names[d] = (d, "上班", f"{NOTICE_MARK}（{self.year}年）：{item.name}调休上班")
        return [list(names[d]) for d in sorted(names)]


MAX_NOTICE_BYTES = 5 * 1024 * 1024


def read_notice_file(path) -> str:
    """The text of a notice saved as .txt (UTF-8 or GBK, as Notepad saves it) or .docx (its paragraphs and tables)."""
    from pathlib import Path

    from taizhang.errors import BadRequest

    path = Path(path)
    if not path.is_file():
        raise BadRequest(f"找不到通知文件 {path}：请把国务院办公厅的通知全文存为 .txt 或 .docx 后给出它的位置。")
    if path.stat().st_size > MAX_NOTICE_BYTES:
        raise BadRequest(f"{path.name} 超过 5 MB，不像是放假安排通知：请只保存通知全文。")
    data = path.read_bytes()
    if path.suffix.lower() == ".docx" or data[:2] == b"PK":
        try:
            import docx

            doc = docx.Document(str(path))
        except Exception:  # any unreadable package gets the same answer for the office
            raise BadRequest(f"{path.name} 不是能读取的 Word 文档（.docx）：请在 Word/WPS 中另存为 .docx，"
                             f"或把通知全文粘贴进记事本存为 .txt。") from None
        lines = [p.text for p in doc.paragraphs]
        lines += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join(lines)
    if path.suffix.lower() in (".doc", ".wps", ".pdf"):
        raise BadRequest(f"{path.name} 是 {path.suffix} 文件，台账助手读不了：请另存为 .docx，或把全文粘贴进记事本存为 .txt。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadRequest(f"{path.name} 的文字编码无法识别：请用记事本另存为 UTF-8 或 ANSI 编码的 .txt。")


def notice_year_of(note: str) -> int | None:
    """The year a 节假日 row's 说明 says it was taken from a notice for (None: a local row)."""
    m = re.match(re.escape(NOTICE_MARK) + r"（(\d{4})年）", str(note or "").strip())
    return int(m.group(1)) if m else None


def _weekday_note(note: str | None) -> int | None:
    m = _WEEKDAY_NOTE.search(note or "")
    if not m:
        return None
    return 6 if m.group(1) in "日天" else _WEEKDAYS.index(m.group(1))


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def parse_notice(text: str, year: int | None = None) -> NoticeSchedule:
    """Read a holiday notice's text (see the module doc); ``year`` wins over the year the title names."""
    text = text.translate(_DIGITS).replace("\r\n", "\n").replace("\r", "\n")
    named = _YEAR.search(text)
    found = int(named.group(1) or named.group(2)) if named else None
    schedule = NoticeSchedule(year or found)
    if year and found and year != found:
        schedule.problems.append(f"通知标题写的是{found}年，按指定的{year}年读取，请确认。")
    if schedule.year is None:
        schedule.problems.append("没有找到年份：请粘贴包括标题（“国务院办公厅关于20XX年部分节假日安排的通知”）在内的全文，"
                                 "或用 --year 指定年份。")
        return schedule
    starts = list(_ITEM.finditer(text))
    if not starts:
        schedule.problems.append("没有找到“一、元旦：……”这样的分项，请粘贴通知正文。")
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(text)
        body = text[m.end():end]
        item = NoticeItem(name=m.group(2).strip(), line=_line_of(text, m.start(1)), text=(m.group(0) + body).strip())
        _read_item(item, body, schedule)
        if item.off or item.work:
            schedule.items.append(item)
        else:
            schedule.problems.append(f"第{item.line}行“{item.name}”：没有读出放假日期，请核对这一项的写法。")
    return schedule


def _read_item(item: NoticeItem, body: str, schedule: NoticeSchedule) -> None:
    where = f"第{item.line}行“{item.name}”"
    sentences = []
    for sentence in re.split(r"[。；;\n]", body):  # a sentence holding both 放假 and 上班 is read clause by clause
        sentences.extend(re.split(r"[，,]", sentence) if "放假" in sentence and "上班" in sentence else [sentence])
    for sentence in sentences:
        dates = list(_DATE.finditer(sentence))
        if not dates:
            continue
        if "放假" in sentence:
            days = _dates(dates, schedule, where)
            if "至" in sentence[dates[0].end():dates[-1].start() + 1] and len(days) >= 2:
                first, last = days[0], days[-1]
                if last < first:
                    schedule.problems.append(f"{where}：{first:%m月%d日}至{last:%m月%d日}的顺序不对，请核对。")
                    continue
                days = [first + dt.timedelta(n) for n in range((last - first).days + 1)]
            count = _COUNT.search(sentence)
            want = int(count.group(1) or count.group(2)) if count else None
            if want is not None and want != len(days):
                schedule.problems.append(f"{where}：写的是共{want}天，按日期算是{len(days)}天，请核对。")
            item.off.extend(d for d in days if d not in item.off)
        elif "上班" in sentence:
            for d in _dates(dates, schedule, where):
                if d.weekday() < 5:
                    schedule.problems.append(f"{where}：{d.month}月{d.day}日是{_zh_weekday(d)}，本来就是工作日，"
                                             f"通知里写作调休上班，请核对。")
                item.work.append(d)
        else:
            schedule.ignored.append(f"{where}：“{sentence.strip()}”没有写放假或上班，未采用。")


def _dates(matches: list[re.Match], schedule: NoticeSchedule, where: str) -> list[dt.date]:
    """The dates of one sentence; a date without its month takes the previous one's (“1月1日至3日”)."""
    out: list[dt.date] = []
    year, month = schedule.year, None
    for m in matches:
        year = int(m.group(1)) if m.group(1) else year
        month = int(m.group(2)) if m.group(2) else month
        if month is None:
            schedule.problems.append(f"{where}：“{m.group(0)}”没有月份，请核对。")
            continue
        try:
            d = dt.date(year, month, int(m.group(3)))
        except ValueError:
            schedule.problems.append(f"{where}：{year}年{month}月{m.group(3)}日不是有效日期，请核对。")
            continue
        said = _weekday_note(m.group(4))
        if said is not None and said != d.weekday():
            schedule.problems.append(f"{where}：通知写{d.month}月{d.day}日是周{_WEEKDAYS[said]}，"
                                     f"按{d.year}年算是{_zh_weekday(d)}：年份或日期不对，请核对。")
        out.append(d)
    return out


def _zh_weekday(d: dt.date) -> str:
    return "周" + _WEEKDAYS[d.weekday()]
