"""Build (any OS) and install (Windows) the 台账助手 Excel add-in.

The add-in starts from the BSD-licensed add-in template that ships inside the
xlwings package (``quickstart_addin_ribbon.xlam``) and is edited without
Excel: pyOpenVBA (pure Python) swaps the template's ribbon module for ours
(``macros/TaizhangRibbon.bas``), the VBA project and xlwings' PROJECT_NAME
become ``taizhang``, and the package's customUI part is replaced by
``macros/ribbon.xml``. The add-in's ``taizhang.conf`` sheet tells xlwings to
import the installed package (ADD_WORKBOOK_TO_PYTHONPATH off) and where the
worksheet functions live; ``addin install`` writes the per-user config file
with this Python interpreter.
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
from taizhang.errors import BadRequest

PROJECT = "taizhang"
TEMPLATE_PROJECT = "MyAddin"
TEMPLATE_RIBBON_MODULE = "RibbonMyAddin"
RIBBON_MODULE = "TaizhangRibbon"
CONFIG = [("ADD_WORKBOOK_TO_PYTHONPATH", False), ("UDF Modules", "taizhang.doors.udfs"), ("Show Console", False),
          ("Use UDF Server", False), ("Debug UDFs", False)]


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


def install_addin(xlam: str | Path = "taizhang.xlam") -> list[str]:
    """Windows: put the add-in in Excel's per-user XLSTART folder and point xlwings at this Python."""
    if sys.platform != "win32":
        raise BadRequest("taizhang addin install 只能在 Windows 上运行（需要 Microsoft Excel）。"
                         "其他系统请使用命令行：taizhang merge、taizhang summary 等。")
    xlam = Path(xlam)
    if not xlam.exists():
        xlam = build_addin(xlam)
    appdata = Path(os.environ["APPDATA"])
    xlstart = appdata / "Microsoft" / "Excel" / "XLSTART"
    xlstart.mkdir(parents=True, exist_ok=True)
    target = xlstart / f"{PROJECT}.xlam"
    shutil.copy(xlam, target)
    conf_dir = Path(os.environ.get("USERPROFILE", str(Path.home()))) / f".{PROJECT}"
    conf_dir.mkdir(exist_ok=True)
    python = Path(sys.executable)
    pythonw = python.with_name("pythonw.exe")
    interpreter = pythonw if pythonw.exists() else python
    conf = conf_dir / f"{PROJECT}.conf"
    conf.write_text(f'"INTERPRETER_WIN","{interpreter}"\n"ADD_WORKBOOK_TO_PYTHONPATH","False"\n', encoding="utf-8")
    return [f"已安装加载项：{target}", f"已写入 xlwings 配置：{conf}（Python：{interpreter}）",
            "请重新启动 Excel，功能区中会出现“台账助手”选项卡。",
            "如果看不到：文件 → 选项 → 信任中心 → 信任中心设置 → 受信任位置，确认 XLSTART 文件夹受信任；"
            "或在“加载项 → 管理 Excel 加载项 → 浏览”中选择上面的 .xlam 文件。"]
