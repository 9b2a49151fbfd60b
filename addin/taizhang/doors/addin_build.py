"""Build (any OS) and install (Windows) the 台账助手 Excel add-in.

The add-in starts from the BSD-licensed add-in template that ships inside the
xlwings package (``quickstart_addin_ribbon.xlam``) and is edited without
Excel: pyOpenVBA (pure Python) swaps the template's ribbon module for ours
(``macros/TaizhangRibbon.bas``), the VBA project and xlwings' PROJECT_NAME
become ``taizhang``, and the package's customUI part is replaced by
``macros/ribbon.xml``. The add-in's ``taizhang.conf`` sheet tells xlwings to
import the installed package (ADD_WORKBOOK_TO_PYTHONPATH off); it has no
worksheet functions (the master's 工作日历 sheet serves plain formulas instead); ``addin install`` builds a fresh add-in and writes
the per-user config file naming the Python interpreter.

The config file is read by xlwings' own VBA (``GetConfigFromFile``: ``Open … For
Input`` and ``Input #``), which decodes bytes in the ANSI code page (GBK on
Chinese Windows) and then expands ``%VARIABLES%`` (``ExpandEnvironmentStrings``).
So the interpreter is written relative to ``%LOCALAPPDATA%`` or ``%USERPROFILE%``
when it lies below them (plain ASCII whatever the user's name), and the file is
encoded in the ANSI code page (``mbcs`` on Windows, ``gbk`` when prepared elsewhere).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET

from taizhang.errors import BadRequest

PROJECT = "taizhang"
TEMPLATE_PROJECT = "MyAddin"
TEMPLATE_RIBBON_MODULE = "RibbonMyAddin"
RIBBON_MODULE = "TaizhangRibbon"
RIBBON_RELS = {  # customUI namespace -> the package relationship type Office expects for it
    "http://schemas.microsoft.com/office/2006/01/customui": "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    "http://schemas.microsoft.com/office/2009/07/customui": "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
}
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONFIG = [("ADD_WORKBOOK_TO_PYTHONPATH", False), ("Show Console", False)]  # no UDFs: see book/calendar_sheet.py


def macro_text(name: str) -> str:
    return resources.files("taizhang.macros").joinpath(name).read_text(encoding="utf-8")


def template_path() -> Path:
    import xlwings

    path = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    if not path.exists():
        raise FileNotFoundError(f"xlwings {xlwings.__version__} 中没有加载项模板 {path.name}，请安装 xlwings 0.30 或更新版本。")
    return path


def _rename_project(vp, new: str) -> None:
    """Rewrite the PROJECTNAME record of the dir stream (pyOpenVBA keeps the part before the modules verbatim)."""
    import struct

    old = vp.name.encode("latin-1")
    rec_old = b"\x04\x00" + struct.pack("<I", len(old)) + old
    rec_new = b"\x04\x00" + struct.pack("<I", len(new)) + new.encode("ascii")
    i = vp.dir_raw.find(rec_old)
    if i < 0 or i > vp.dir_modules_offset:
        raise RuntimeError("加载项模板的 VBA 工程结构与预期不同，无法改名")
    vp.dir_raw = vp.dir_raw[:i] + rec_new + vp.dir_raw[i + len(rec_old):]
    vp.dir_modules_offset += len(rec_new) - len(rec_old)
    vp.name = new
    vp.dir_structure_dirty = True


def _config_sheet_xml(original: str) -> str:
    cells = []
    for r, (key, value) in enumerate(CONFIG, 1):
        v = (f'<c r="B{r}" t="b"><v>{int(value)}</v></c>' if isinstance(value, bool)
             else f'<c r="B{r}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        cells.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{escape(key)}</t></is></c>{v}</row>')
    return re.sub(r"<sheetData>.*</sheetData>|<sheetData\s*/>", "<sheetData>" + "".join(cells) + "</sheetData>",
                  re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{len(CONFIG)}"/>', original), flags=re.S)


def _ribbon_rels(rels_xml: bytes, ribbon: str) -> bytes:
    """The package relationships with the customUI part's type matching the ribbon's namespace."""
    from xml.etree import ElementTree as ET

    ns = SafeET.fromstring(ribbon.encode("utf-8")).tag.split("}")[0].lstrip("{")
    if ns not in RIBBON_RELS:
        raise RuntimeError(f"ribbon.xml 的命名空间 {ns} 不是 Office 的 customUI 命名空间")
    ET.register_namespace("", PKG_RELS)
    root = SafeET.fromstring(rels_xml)
    found = False
    for rel in root.findall(f"{{{PKG_RELS}}}Relationship"):
        if rel.get("Type") in RIBBON_RELS.values() or rel.get("Target", "").lstrip("/") == "customUI/customUI.xml":
            rel.set("Type", RIBBON_RELS[ns])
            rel.set("Target", "customUI/customUI.xml")
            found = True
    if not found:
        ids = {r.get("Id") for r in root}
        new_id = next(f"rId{i}" for i in range(1, len(ids) + 2) if f"rId{i}" not in ids)
        ET.SubElement(root, f"{{{PKG_RELS}}}Relationship", Id=new_id, Type=RIBBON_RELS[ns], Target="customUI/customUI.xml")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def build_addin(out: str | Path = "taizhang.xlam") -> Path:
    import pyopenvba
    from pyopenvba.cfb import CFB

    from taizhang.xlsx.storage import atomic_write

    out = Path(out)
    ribbon = macro_text("ribbon.xml")
    module = macro_text(f"{RIBBON_MODULE}.bas")
    if any(ord(ch) > 127 for ch in module):
        raise RuntimeError(f"{RIBBON_MODULE}.bas 必须只含 ASCII 字符（VBA 工程的代码页会把中文变成乱码）")
    with tempfile.TemporaryDirectory() as tmpdir:
        work = Path(tmpdir) / "template.xlam"
        shutil.copy(template_path(), work)
        xf = pyopenvba.ExcelFile(str(work))
        vp = xf.vba_project()
        _rename_project(vp, PROJECT)
        if TEMPLATE_RIBBON_MODULE in vp.module_names():
            vp.delete_module(TEMPLATE_RIBBON_MODULE)
        vp.add_module(RIBBON_MODULE, module.replace("\r\n", "\n"))
        source = xf.get_module("xlwings")
        patched = re.sub(r'(Public Const PROJECT_NAME As String = )"[^"]*"', rf'\1"{PROJECT}"', source)
        xf.set_module("xlwings", patched)
        edited = Path(tmpdir) / "edited.xlam"
        xf.save(str(edited))
        xf.close()
        package = edited.read_bytes()

    def write(tmp: Path) -> None:
        src = zipfile.ZipFile(io.BytesIO(package))
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "customUI/customUI.xml":
                    data = ribbon.encode("utf-8")
                elif info.filename == "_rels/.rels":
                    data = _ribbon_rels(data, ribbon)
                elif info.filename == "xl/vbaProject.bin":
                    cfb = CFB.from_bytes(data)
                    project = cfb.get_stream("PROJECT").decode("latin-1")
                    project = re.sub(r'^Name="[^"]*"', f'Name="{PROJECT}"', project, flags=re.M)
                    cfb.write_stream("PROJECT", project.encode("latin-1"))
                    data = cfb.to_bytes()
                elif info.filename == "xl/workbook.xml":
                    data = re.sub(rb'name="_?myaddin\.conf"', f'name="{PROJECT}.conf"'.encode(), data)
                elif info.filename == "xl/worksheets/sheet1.xml":
                    data = _config_sheet_xml(data.decode("utf-8")).encode("utf-8")
                elif info.filename == "docProps/app.xml":
                    data = data.replace(b"_myaddin.conf", f"{PROJECT}.conf".encode())
                dst.writestr(info, data)

    atomic_write(out, write)
    return out


class InstallError(BadRequest):
    """The add-in cannot be installed where asked (shown to the user as it is)."""


CONF_VARIABLES = ("LOCALAPPDATA", "APPDATA", "USERPROFILE")  # most specific first


def conf_interpreter(interpreter: str, env: dict[str, str]) -> str:
    """``interpreter`` with a leading user folder replaced by its ``%VARIABLE%`` (case-insensitive, as Windows)."""
    for var in CONF_VARIABLES:
        base = (env.get(var) or "").rstrip("\\/")
        if base and interpreter.lower().startswith(base.lower() + "\\"):
            return f"%{var}%" + interpreter[len(base):]
    return interpreter


def conf_bytes(interpreter: str, env: dict[str, str], encoding: str) -> bytes:
    """The user conf file xlwings reads: ``Write #`` lines (quoted, comma-separated), CRLF, ANSI code page."""
    value = conf_interpreter(interpreter, env)
    if '"' in value:
        raise InstallError(f"Python 路径中含有英文双引号，xlwings 无法读取：{interpreter}")
    text = f'"INTERPRETER_WIN","{value}"\r\n"ADD_WORKBOOK_TO_PYTHONPATH","False"\r\n'
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        raise InstallError(f"Python 路径 {interpreter} 含有本机代码页（{encoding}）无法表示的字符，Excel 读不出来。"
                           "请把 Python 安装到只含英文字母和数字的文件夹（例如 C:\\Python312），再运行 taizhang addin install。") from None


def ansi_encoding() -> str:
    """The code page xlwings' VBA reads the conf file in: the system's ANSI code page on Windows;
    GBK (code page 936, Simplified Chinese Windows) when the file is prepared on another system."""
    return "mbcs" if sys.platform == "win32" else "gbk"


def default_interpreter() -> str:
    python = Path(sys.executable)
    pythonw = python.with_name("pythonw.exe")
    return str(pythonw if pythonw.exists() else python)


def _copy_into(src: Path, target: Path) -> None:
    """Copy ``src`` over ``target`` through a temporary file beside it; refuse clearly if Excel holds it."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    except PermissionError:
        tmp.unlink(missing_ok=True)
        raise InstallError(f"无法替换 {target}：文件正被占用（Excel 可能还开着）。"
                           "请关闭所有 Excel 窗口（必要时在任务管理器中结束 EXCEL.EXE），再运行 taizhang addin install。") from None


WINDOWS_PATH = re.compile(r"^([A-Za-z]:[\\/]|\\\\|%[A-Za-z_]+%)")  # C:\…, \\server\…, %LOCALAPPDATA%\…


def install_addin(target: str | Path | None = None, interpreter: str | None = None,
                  env: dict[str, str] | None = None) -> list[str]:
    """Build a fresh add-in and install it with its conf file.

    Without ``target`` (Windows only): the add-in goes to Excel's per-user XLSTART folder and the conf to
    ``%USERPROFILE%\\.taizhang\\taizhang.conf``, where xlwings looks. With ``target`` (any system): both go
    into that folder, e.g. a USB stick IT staff copy from; on a system other than Windows ``interpreter`` (the
    target computer's pythonw.exe, a Windows path) is then required.
    """
    env = dict(os.environ if env is None else env)
    if target is None:
        if sys.platform != "win32":
            raise InstallError("在 Windows 以外的系统上请用 --target 文件夹 指定输出位置（例如准备拷到 U 盘）；"
                               "只构建加载项请用 taizhang addin build。")
        xlstart = Path(env["APPDATA"]) / "Microsoft" / "Excel" / "XLSTART"
        conf = Path(env.get("USERPROFILE", str(Path.home()))) / f".{PROJECT}" / f"{PROJECT}.conf"
    else:
        xlstart = Path(target)
        conf = xlstart / f"{PROJECT}.conf"
    if sys.platform != "win32":  # prepared here for a Windows computer: this system's Python is of no use there
        if not interpreter:
            raise InstallError("在 Windows 以外的系统上准备加载项时，必须用 --interpreter 写明目标 Windows 电脑上 pythonw.exe 的路径"
                               "（例如 --interpreter C:\\Python312\\pythonw.exe）：本机的 Python 路径在 Windows 上无法使用。")
        if not WINDOWS_PATH.match(interpreter):
            raise InstallError(f"--interpreter {interpreter} 不是 Windows 路径。请写目标 Windows 电脑上 pythonw.exe 的路径，"
                               "例如 C:\\Python312\\pythonw.exe 或 %LOCALAPPDATA%\\Programs\\Python\\Python312\\pythonw.exe。")
    interpreter = interpreter or default_interpreter()
    data = conf_bytes(interpreter, env, ansi_encoding())
    xlstart.mkdir(parents=True, exist_ok=True)
    conf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir:
        fresh = build_addin(Path(tmpdir) / f"{PROJECT}.xlam")
        _copy_into(fresh, xlstart / f"{PROJECT}.xlam")
    conf_tmp = Path(tempfile.mkdtemp()) / conf.name
    conf_tmp.write_bytes(data)
    _copy_into(conf_tmp, conf)
    shutil.rmtree(conf_tmp.parent, ignore_errors=True)
    lines = [f"已安装加载项（本次新构建）：{xlstart / f'{PROJECT}.xlam'}",
             f"已写入 xlwings 配置：{conf}（Python：{conf_interpreter(interpreter, env)}，编码 {ansi_encoding()}）"]
    if target is not None:
        lines.append(f"在目标电脑上：把 {PROJECT}.xlam 拷到 %APPDATA%\\Microsoft\\Excel\\XLSTART，"
                     f"把 {PROJECT}.conf 拷到 %USERPROFILE%\\.{PROJECT}\\ 文件夹。")
    lines += ["请重新启动 Excel，功能区中会出现“台账助手”选项卡。",
              "如果看不到：文件 → 选项 → 信任中心 → 信任中心设置 → 受信任位置，确认 XLSTART 文件夹受信任；"
              "或在“加载项 → 管理 Excel 加载项 → 浏览”中选择上面的 .xlam 文件。"]
    return lines


def read_conf_as_vba(data: bytes, codepage: str, env: dict[str, str]) -> dict[str, str]:
    """What xlwings' VBA gets from the conf file: ``Input #`` of quoted pairs decoded in the ANSI code
    page, then ``WScript.Shell.ExpandEnvironmentStrings`` (for tests and ``taizhang addin check``)."""
    import csv

    text = data.decode(codepage, errors="replace")
    out = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2:
            out[row[0]] = re.sub(r"%([^%]+)%", lambda m: env.get(m.group(1), m.group(0)), row[1])
    return out
