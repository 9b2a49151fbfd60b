"""What every page shares: the templates, the one error type a request can end in, and the error page."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.templating import Jinja2Templates

from taizhang.errors import UserError

log = logging.getLogger("taizhang.web")
HERE = Path(__file__).parent
LIGHT_ZH = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已办结", "closed": "已销号",
            "none": "无问题"}  # "none": a unit without cases (as the summary workbook says it)


class WebError(UserError):
    """A request the user has to correct; the message is shown as is (Chinese)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEMPLATES.env.globals["LIGHT_ZH"] = LIGHT_ZH
TEMPLATES.env.filters["timefmt"] = lambda t: dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else ""


def _no_links(path: str, **params) -> str:
    return "#"


def _error_response(request: Request, message: str, status: int, settings) -> Response:
    """The error page (or JSON); without ``settings`` (a request outside the root) it links nowhere, so a
    refused visitor never learns the root."""
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    url = settings.url if settings is not None else _no_links
    return TEMPLATES.TemplateResponse(request, "error.html", {"message": message, "page": "", "m": "", "masters": [],
                                                              "url": url}, status_code=status)


