"""佐证材料: the evidence units send beside their ledger, filed under its case beside the master.

Seed 000 asks that 销号 be "报领导小组组长审定核准…备案待查", seed 003 that 查否 cases be re-checked; offices also
complain of 留痕 burden, so evidence is asked for only where the 参数设置 row 佐证材料要求 says (办公室设定; default
销号 and 查否). A unit sends a piece of evidence in its report folder in one of three ways:

- in a folder whose name starts with 佐证 (佐证材料/), in a subfolder named by the 问题编号 or with a file name that
  starts with it (``佐证材料/DW1-2026-001/照片.jpg``, ``佐证材料/DW1-2026-001 验收报告.pdf``); a workbook there is
  evidence too, never read as a submission;
- directly in the report folder, a file (not a workbook) whose name starts with a 问题编号;
- inside a .zip, by the same paths.

Each piece is filed in ``<master stem>-佐证材料/<问题编号>/`` beside the master, kept by content (SHA-256): a piece whose
content the case's folder already holds (a resend, or a file the office put there) is not stored again; a new piece
whose name is taken gets a numbered name; a file already there is never overwritten (``storage.create_new``). A piece
is refused, with its reason, when its case is not in the ledger, when a unit recognised from its folders or archive
name sends it for another unit's case, and when its name or archive entry is unsafe (``xlsx.safety``: traversal, absolute path,
symbolic link, bomb, too big, encrypted). Every file has one fate on the master's 佐证材料清单 (已归档 or 退回) and in
the merge's account; the ledger's computed columns 佐证材料数, 已归档佐证材料 (the names, linking to the case's folder) and
佐证首次收到 index it, and a unit's 佐证文号或链接 may stand instead of a file.

Planning is pure (``plan_evidence``); ``file_evidence`` writes the planned pieces, in the job's transaction, before
the master is saved (a piece written but not yet indexed is recognised by its content on the next merge).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from taizhang.fields import STATUS_CLOSED, STATUS_DONE, STATUS_UNFOUNDED
from taizhang.findings import Finding, finding
from taizhang.xlsx.safety import (
    MAX_ARCHIVE_ENTRIES,
    MAX_PIECE,
    WORKBOOK_SUFFIXES,
    FileProblem,
    entry_problem,
    is_lock_or_temp,
    name_problem,
    read_entry,
)

FOLDER_MARK = "佐证"  # a folder of the report folder whose name starts with this holds evidence
DIR_SUFFIX = "-佐证材料"
FILED, REFUSED = "已归档", "退回"
STAGES = ("办结", "销号", "查否")
_FORBIDDEN = str.maketrans({c: "－" for c in '<>:"/\\|?*'})


def evidence_dir(master_path: str | Path) -> Path:
    """The folder beside the master that holds a folder per case."""
    p = Path(master_path)
    return p.with_name(f"{p.stem}{DIR_SUFFIX}")


def case_dir_name(case_id: str) -> str:
    """The folder name of a case: its 问题编号 with the characters Windows forbids replaced."""
    name = str(case_id).translate(_FORBIDDEN).strip(" .")
    return name or "未编号"


def in_evidence_tree(rel: Path) -> bool:
    """Whether a file of the report folder lies in a 佐证… folder (never read as a submission)."""
    return any(p.startswith(FOLDER_MARK) for p in rel.parts[:-1])


def is_candidate(rel: Path, ids=None) -> bool:
    """Whether a file of the report folder is (or may hold) evidence: in a 佐证 folder, a .zip, or — given the
    ledger's ``ids`` — a file that is no workbook whose name starts with a 问题编号."""
    if is_lock_or_temp(rel):
        return False
    if in_evidence_tree(rel) or rel.suffix.lower() == ".zip":
        return True
    return ids is not None and rel.suffix.lower() not in WORKBOOK_SUFFIXES and case_in(rel.name, ids) is not None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def case_in(text: str, ids) -> str | None:
    """The 问题编号 ``text`` starts with (the longest, ending at a character that is no letter or digit), or None."""
    t = _fold(text)
    for k in range(len(t), 0, -1):
        if (k == len(t) or not t[k].isalnum()) and t[:k] in ids:
            return t[:k]
    return None


class EvidenceOutcome(BaseModel):
    """What became of one piece: 已归档 (``stored`` under its case; ``duplicate`` when its content was there already),
    or 退回 with its reason."""

    source: str  # as sent: its path in the report folder, "archive.zip!entry" inside an archive
    name: str
    case_id: str | None = None
    unit: str | None = None
    status: str = FILED
    duplicate: bool = False
    reason: str = ""
    stored: str = ""  # case folder / file name, relative to the evidence folder
    digest: str = ""
    size: int = 0


@dataclass
class Pending:
    """A piece to write: where, and how to read it again (a file, or an archive entry)."""

    target: Path
    source: Path
    entry: str | None
    digest: str


@dataclass
class EvidencePlan:
    outcomes: list[EvidenceOutcome] = field(default_factory=list)
    writes: list[Pending] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)  # the whole 佐证材料清单 after this merge
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Piece:
    source: str
    parts: tuple[str, ...]  # path parts that may name the case or the sender, outermost first, the file name last
    path: Path
    entry: str | None = None
    data: bytes | None = None
    refusal: str = ""


def _gather(folder: Path, paths: list[Path]) -> list[_Piece]:
    out: list[_Piece] = []
    root = folder.resolve()
    for path in paths:
        rel = path.relative_to(folder)
        src = rel.as_posix()
        if path.is_symlink():
            out.append(_Piece(src, rel.parts, path, refusal=f"“{src}”是符号链接（快捷方式），不是文件"))
            continue
        if not path.resolve().is_relative_to(root):  # under a linked folder: a file from elsewhere on the disk
            out.append(_Piece(src, rel.parts, path, refusal=f"“{src}”在指向报送文件夹之外的链接文件夹中"))
            continue
        bad = name_problem(src)
        if bad:
            out.append(_Piece(src, rel.parts, path, refusal=bad))
            continue
        if rel.suffix.lower() == ".zip":
            out.extend(_archive(path, rel))
            continue
        try:
            size = path.stat().st_size
        except OSError:
            out.append(_Piece(src, rel.parts, path, refusal="无法读取"))
            continue
        if size > MAX_PIECE:
            out.append(_Piece(src, rel.parts, path,
                              refusal=f"文件 {size // 1048576} MB，超过单个佐证材料 {MAX_PIECE // 1048576} MB 的上限"))
            continue
        out.append(_Piece(src, rel.parts, path))
    return out


def _archive(path: Path, rel: Path) -> list[_Piece]:
    src = rel.as_posix()
    outer = (*rel.parts[:-1], rel.stem)  # the archive's name may name the sender or the case
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > MAX_ARCHIVE_ENTRIES:
                return [_Piece(src, rel.parts, path, refusal=f"压缩包内有 {len(infos)} 个文件，超过 {MAX_ARCHIVE_ENTRIES} 个的上限")]
            out, total = [], 0
            for info in infos:
                name = info.filename
                piece = _Piece(f"{src}!{name}", (*outer, *[p for p in name.replace("\\", "/").split("/") if p]), path, name)
                piece.refusal = entry_problem(info)
                if not piece.refusal:
                    total += info.file_size
                    if total > 8 * MAX_PIECE:
                        piece.refusal = f"压缩包解压后超过 {8 * MAX_PIECE // 1048576} MB"
                out.append(piece)
            return out
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        return [_Piece(src, rel.parts, path, refusal="压缩包已损坏或无法打开")]


def _read(piece: _Piece) -> bytes:
    if piece.entry is None:
        with open(piece.path, "rb") as fh:
            data = fh.read(MAX_PIECE + 1)
        if len(data) > MAX_PIECE:
            raise FileProblem("file-too-large", f"超过单个佐证材料 {MAX_PIECE // 1048576} MB 的上限")
        return data
    with zipfile.ZipFile(piece.path) as zf:
        return read_entry(zf, zf.getinfo(piece.entry))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _folder_digests(folder: Path) -> dict[str, str]:
    """Content digest → file name of what a case's folder already holds (the office's files included)."""
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for p in sorted(folder.iterdir()):
        if p.is_file() and not p.is_symlink() and not p.name.endswith(".part"):
            try:
                out.setdefault(_digest(p.read_bytes()), p.name)
            except OSError:
                continue
    return out


def _free_name(name: str, taken: set[str]) -> str:
    stem, suffix = os.path.splitext(name)
    n = 2
    while name in taken:
        name = f"{stem}（{n}）{suffix}"
        n += 1
    return name


def plan_evidence(folder: str | Path, paths: list[Path], owners: dict[str, str], units, store: str | Path,
                  previous: list[list], today: dt.date) -> EvidencePlan:
    """What to do with each piece under ``paths`` (files of the report ``folder``): file it under its case or refuse
    it. ``owners``: the ledger's 问题编号 → 责任单位 after the merge; ``units``: the member-unit directory (a unit named
    in a piece's path is its sender); ``store``: the evidence folder; ``previous``: the 佐证材料清单 rows so far."""
    folder, store = Path(folder), Path(store)
    plan = EvidencePlan(rows=[list(r) for r in previous])
    filed_at = {(str(r[0]), str(r[3])): r for r in plan.rows if len(r) > 8 and r[8] == FILED}
    refused_at = {(str(r[7]), str(r[9])): r for r in plan.rows if len(r) > 9 and r[8] == REFUSED}
    held: dict[str, dict[str, str]] = {}  # case → its folder's digests (read once)
    taken: dict[str, set[str]] = {}
    for piece in _gather(folder, paths):
        name = piece.parts[-1] if piece.parts else piece.source
        out = EvidenceOutcome(source=piece.source, name=name)
        # the sender: a unit named by a folder or the archive (outermost first), never by the file's own name, which
        # may well name another unit ("…与东城街道协调纪要.pdf")
        sender = next((u for u in (units.find_in(p) for p in piece.parts[:-1]) if u), None) if len(units) else None
        out.unit = sender
        cid = next((c for c in (case_in(p, owners) for p in piece.parts) if c), None)
        out.case_id = cid
        reason = piece.refusal
        if not reason and cid is None:
            reason = ("不是佐证材料：文件夹和文件名都不以台账中的问题编号开头（台账请直接放在报送文件夹中）"
                      if piece.entry is not None or in_evidence_tree(Path(piece.source)) else "文件名不以台账中的问题编号开头")
        if not reason and sender and owners.get(cid) and owners[cid] != sender:
            reason = f"问题“{cid}”是 {owners[cid]} 的问题，{sender} 不能报送其佐证材料"
        data = None
        if not reason:
            try:
                data = _read(piece)
            except FileProblem as exc:
                reason = exc.message
            except (OSError, zipfile.BadZipFile, KeyError, EOFError, RuntimeError, ValueError):
                reason = "无法读取"
        if reason:
            out.status, out.reason = REFUSED, reason
            plan.outcomes.append(out)
            key = (piece.source, reason)
            if key in refused_at:
                refused_at[key][6] = today
            else:
                row = [cid, sender or (owners.get(cid) if cid else None), name, None, None, today, today, piece.source,
                       REFUSED, reason]
                refused_at[key] = row
                plan.rows.append(row)
            plan.findings.append(finding("evidence-refused", f"佐证材料“{piece.source}”未归档：{reason}。",
                                         file=piece.source, case_id=cid or "", unit=sender or ""))
            continue
        digest = _digest(data)
        out.digest, out.size, out.unit = digest, len(data), owners.get(cid) or sender
        sub = case_dir_name(cid)
        if sub not in held:
            held[sub] = _folder_digests(store / sub)
            taken[sub] = set(held[sub].values())
        row = filed_at.get((cid, digest))
        if row is not None or digest in held[sub]:
            stored = row[2] if row is not None else held[sub][digest]
            out.duplicate = True
            if row is None:  # in the folder already (the office's file, or written by a merge that was not saved)
                row = [cid, out.unit, stored, digest, len(data), today, today, piece.source, FILED, "文件夹中已有相同内容"]
                filed_at[(cid, digest)] = row
                plan.rows.append(row)
            row[6] = today
        else:
            safe = name.translate(_FORBIDDEN).strip(" .") or "佐证材料"
            stored = _free_name(safe, taken[sub])
            taken[sub].add(stored)
            held[sub][digest] = stored
            plan.writes.append(Pending(store / sub / stored, piece.path, piece.entry, digest))
            row = [cid, out.unit, stored, digest, len(data), today, today, piece.source, FILED, ""]
            filed_at[(cid, digest)] = row
            plan.rows.append(row)
        out.stored = f"{sub}/{stored}"
        plan.outcomes.append(out)
    return plan


def file_evidence(plan: EvidencePlan) -> list[Path]:
    """Write the planned pieces, each whole and new (never over a file already there); returns the files written.
    A piece whose source changed since it was planned is left for the next merge (its row says so)."""
    from taizhang.xlsx.storage import create_new

    written = []
    for w in plan.writes:
        piece = _Piece("", (), w.source, w.entry)
        try:
            data = _read(piece)
        except (OSError, FileProblem, zipfile.BadZipFile, KeyError):
            data = None
        if data is None or _digest(data) != w.digest:
            _note(plan, w, "报送文件夹中的文件在合并过程中被改动，未存入，下次合并时重新归档")
            continue
        if create_new(w.target, data):
            written.append(w.target)
        elif not (w.target.is_file() and _digest(w.target.read_bytes()) == w.digest):
            _note(plan, w, f"{w.target.name} 已被其他文件占用，未存入，下次合并时重新归档")
    return written


def _note(plan: EvidencePlan, w: Pending, why: str) -> None:
    plan.rows = [r for r in plan.rows if not (len(r) > 3 and r[3] == w.digest and r[2] == w.target.name and not r[9])]
    for o in plan.outcomes:
        if o.digest == w.digest and o.stored.endswith("/" + w.target.name):
            o.status, o.reason = REFUSED, why


def index_columns(ledger: pd.DataFrame, rows: list[list]) -> pd.DataFrame:
    """The ledger with its 佐证材料数, 已归档佐证材料 (names) and 佐证首次收到 as 佐证材料清单's filed ``rows`` say."""
    by_case: dict[str, list[list]] = {}
    for r in rows:
        if len(r) > 8 and r[8] == FILED and r[0]:
            by_case.setdefault(str(r[0]), []).append(r)
    if not len(ledger):
        return ledger
    df = ledger.copy()
    ids = [str(c) if c else "" for c in df["case_id"].tolist()]
    got = [by_case.get(c, []) for c in ids]
    df["evidence_count"] = [len(g) or None for g in got]
    df["evidence"] = ["、".join(dict.fromkeys(str(r[2]) for r in g)) or None for g in got]
    df["evidence_first"] = [min((r[5] for r in g if isinstance(r[5], dt.date)), default=None) for g in got]
    return df


def required_stages(case: dict, book) -> list[str]:
    """The stages of ``evidence_required`` a case is at (办结, 销号 or its 销号申请, 查否)."""
    need = set(getattr(book, "evidence_required", ()) or ())
    status = case.get("status")
    at = []
    if "办结" in need and status == STATUS_DONE:
        at.append("办结")
    if "销号" in need and (status == STATUS_CLOSED or _filled(case.get("close_request"))):
        at.append("销号")
    if "查否" in need and status == STATUS_UNFOUNDED:
        at.append("查否")
    return at


def _filled(v) -> bool:
    return v is not None and not (isinstance(v, float) and v != v) and str(v).strip() != ""


def lacks_evidence(case: dict, book) -> list[str]:
    """The stages a case is at that require evidence it lacks (no piece filed, no 佐证文号或链接); [] when none."""
    at = required_stages(case, book)
    if not at:
        return []
    count = case.get("evidence_count")
    if _filled(case.get("evidence_ref")) or (_filled(count) and int(float(count)) > 0):
        return []
    return at


def missing_rows(ledger: pd.DataFrame, book) -> list[tuple[int, list[str]]]:
    """(frame position, stages) of each case that lacks evidence where the campaign requires it."""
    if not len(ledger) or not getattr(book, "evidence_required", None):
        return []
    keys = [k for k in ("status", "close_request", "evidence_ref", "evidence_count") if k in ledger.columns]
    cols = {k: ledger[k].tolist() for k in keys}
    staged = {STATUS_DONE, STATUS_CLOSED, STATUS_UNFOUNDED}
    requests = cols.get("close_request") or [None] * len(ledger)
    out = []
    for i in [i for i, (s, r) in enumerate(zip(cols["status"], requests)) if s in staged or _filled(r)]:
        at = lacks_evidence({k: cols[k][i] for k in keys}, book)
        if at:
            out.append((i, at))
    return out
