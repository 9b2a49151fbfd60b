"""A BIFF .xls's workbook stream read as records, for what calamine does not say: which rows were hidden by hand
(``intake.reader``) and which cells carry a percent format (``xlsx.numfmt``). Only the record layer lives here; each
caller reads the records it needs."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Iterator

FILEPASS, BOUNDSHEET, EOF = 0x002F, 0x0085, 0x000A
BIFF8_STREAMS = ("Workbook", "WORKBOOK")  # BIFF8 (Excel 97 and later)
ANY_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")  # also BIFF5 (Excel 5/95)


def workbook_stream(path: Path, data: bytes | None = None, names: tuple[str, ...] = BIFF8_STREAMS) -> bytes | None:
    """The workbook stream of an OLE .xls (``data`` if given, else the file), b"" if it has none of ``names``; None
    when the container cannot be read."""
    import olefile

    try:
        ole = olefile.OleFileIO(data if data else str(path))
        try:
            name = next((n for n in names if ole.exists(n)), None)
            return ole.openstream(name).read() if name else b""
        finally:
            ole.close()
    except (OSError, ValueError, struct.error):
        return None


def records(stream: bytes, pos: int = 0) -> Iterator[tuple[int, bytes]]:
    """(type, data) of each record from ``pos`` to the end of its substream (EOF) or of the stream."""
    while pos + 4 <= len(stream):
        typ, size = struct.unpack_from("<HH", stream, pos)
        yield typ, stream[pos + 4:pos + 4 + size]
        pos += 4 + size
        if typ == EOF:
            return


def boundsheet(rec: bytes) -> tuple[int, str]:
    """A BOUNDSHEET record's (stream position of the sheet's substream, sheet name)."""
    offset, cch, high = struct.unpack_from("<I", rec)[0], rec[6], rec[7] & 1
    raw = rec[8:8 + cch * (2 if high else 1)]
    return offset, raw.decode("utf-16-le" if high else "latin-1", "replace")
