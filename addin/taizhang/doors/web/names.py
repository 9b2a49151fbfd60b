"""Names, never paths: what a browser sends is reduced to one harmless name inside the served folder, and a
link (symbolic link, junction) is never followed out of it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from taizhang.doors.web.views import WebError

MASTER_SUFFIXES = (".xlsx", ".xlsm")
DOWNLOAD_SUFFIXES = (".xlsx", ".xlsm", ".docx", ".pdf", ".zip")


_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Windows' device names, reserved with any extension and with spaces before it ("CON .xlsx" opens the console)
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$)$",
                               re.IGNORECASE)
MAX_NAME_BYTES = 150  # UTF-8 bytes of a saved name: room for a backup's time prefix and "-标注" within 255 bytes


def _reserved(name: str) -> bool:
    return bool(_WINDOWS_RESERVED.match(name.split(".")[0].rstrip(" ")))


def _fit(stem: str, room: int) -> str:
    """``stem`` cut to ``room`` UTF-8 bytes; a cut name keeps a short digest of the whole, so two long names
    that share their start do not replace each other."""
    if len(stem.encode("utf-8")) <= room:
        return stem
    import hashlib

    digest = "-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:6]
    cut = stem.encode("utf-8")[:room - len(digest)].decode("utf-8", "ignore").rstrip(" .")
    return cut + digest


def safe_name(raw: str, suffixes: tuple[str, ...] | set[str]) -> str:
    """A file name the browser sent, reduced to one harmless name inside our folder (no path, no device)."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = _BAD_CHARS.sub("_", name).strip().lstrip(".").strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem.rstrip(" ."):
        raise WebError(f"文件名“{raw}”没有扩展名，无法识别为表格文件。请上传 {'、'.join(sorted(suffixes))} 文件。")
    if "." + suffix.lower() not in suffixes:
        raise WebError(f"“{raw}”不是表格文件（.{suffix}），已拒绝。请上传 {'、'.join(sorted(suffixes))} 文件。")
    stem = _fit(stem.rstrip(" ."), MAX_NAME_BYTES - len(suffix) - 1)
    if _reserved(stem):
        stem = "_" + stem
    return stem + "." + suffix


def safe_folder_name(raw: str) -> str:
    name = _BAD_CHARS.sub("_", (raw or "").strip()).strip().lstrip(".").strip().rstrip(" .")
    if not name or _reserved(name) or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise WebError(f"文件夹名“{raw}”不可用：请只写一个文件夹名（不含 / \\ : 等符号，不以点开头，不超过 50 个汉字）。")
    return name



def _is_link(p: Path) -> bool:
    junction = getattr(os.path, "isjunction", None)
    return p.is_symlink() or bool(junction and junction(p))


def _linkless(folder: Path, path: Path) -> bool:
    """``path`` is ``folder`` or below it, and no existing step from ``folder`` down to it is a link."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(folder)
    except ValueError:
        return False
    step = folder
    for part in rel.parts:
        if part in ("..", "."):
            return False
        step = step / part
        if _is_link(step):
            return False
    return True


