"""The text files inside an archive: decoding and `;`-separated tables with a header row
(ftp.md §2.1, §3: UTF-8 by default, other encodings by arrangement with support)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from devino_mock.protocols.values import EARLIEST, LATEST

DEFAULT_ENCODING = "utf-8"
FALLBACK_ENCODING = "windows-1251"  # what Russian Excel writes when "UTF-8" was not chosen
MAX_ROWS = 100_000

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

# The documented format `YYYYMMDDThh:mm:ss`, its example `2010-06-01T19:14:00` (ftp.md §2.5),
# and the forms spreadsheets write.
SENDDATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S", "%Y%m%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y%m%dT%H:%M",
    "%Y-%m-%d %H:%M", "%Y%m%dT%H%M%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
)


class FileRejected(Exception):
    """A file of the archive cannot be used; the whole archive is rejected with this reason."""


@dataclass
class Row:
    line: int  # line number in the file, for people reading the results
    values: dict[str, str]  # lower-cased column name -> trimmed value


@dataclass
class Table:
    name: str
    columns: list[str]  # lower-cased, in file order
    rows: list[Row] = field(default_factory=list)

    def empty_columns(self) -> list[str]:
        return [c for c in self.columns if self.rows and not any(r.values.get(c) for r in self.rows)]


def decode(data: bytes, name: str, encoding: str | None, warnings: list[str]) -> str:
    """A byte order mark wins; then the account's arranged encoding (UTF-8 when none was
    arranged). Undecodable UTF-8 with nothing arranged is read as windows-1251, with a warning."""
    for bom, bom_encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(bom_encoding)
            except UnicodeDecodeError as exc:
                raise FileRejected(f"{name}: not valid {bom_encoding} after its byte order mark ({exc.reason})") from None
    wanted = encoding or DEFAULT_ENCODING
    try:
        return data.decode(wanted)
    except UnicodeDecodeError as exc:
        if encoding:
            raise FileRejected(f"{name}: cannot be read as {wanted} ({exc.reason} at byte {exc.start})") from None
    warnings.append(f"{name}: not UTF-8, read as {FALLBACK_ENCODING}")
    return data.decode(FALLBACK_ENCODING, errors="replace")


def read_table(text: str, name: str) -> Table:
    """A header row naming the columns (any order, any letter case), then data rows.
    Blank lines are skipped; a short row leaves its missing cells empty."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    table: Table | None = None
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if table is None:
                columns = [cell.strip().lower() for cell in cells]
                table = Table(name, columns)
                continue
            if len(table.rows) >= MAX_ROWS:
                raise FileRejected(f"{name}: more than {MAX_ROWS} data rows")
            values: dict[str, str] = {}
            for column, cell in zip(table.columns, cells):
                values.setdefault(column, cell.strip())
            table.rows.append(Row(reader.line_num, values))
    except csv.Error as exc:
        raise FileRejected(f"{name} line {reader.line_num}: {exc}") from None
    if table is None:
        raise FileRejected(f"{name}: the file is empty (a header row is required)")
    return table


def require_columns(table: Table, *names: str) -> None:
    missing = [n for n in names if n.lower() not in table.columns]
    if missing:
        raise FileRejected(f"{table.name}: no column {', '.join(missing)} in the header row "
                           f"(found: {';'.join(table.columns) or 'nothing'})")


def parse_senddate(text: str) -> datetime | None:
    """A naive wall-clock time, or None when the text is no documented or common form or a
    date outside the platform's range (values.EARLIEST..LATEST: offsets and validity added to
    it must stay representable)."""
    value = re.sub(r"\s+", " ", text.strip())
    for pattern in SENDDATE_FORMATS:
        try:
            parsed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return parsed if EARLIEST <= parsed <= LATEST else None
    return None
