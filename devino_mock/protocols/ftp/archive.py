"""Reading an uploaded .zip safely: nothing is ever extracted to disk, member names are
checked, and the member count and total uncompressed size are bounded before anything is
inflated (ftp.md §2.1, §3; zip bombs, path traversal, encrypted or damaged archives)."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime

MAX_MEMBERS = 100
MAX_UNCOMPRESSED = 16 * 1024 * 1024  # bytes, all members together
TOP_FOLDER = "sms"
# Archive name `[логин_Клиента]_[YYYYMMDDhhmmss].zip` (ftp.md §1.3).
ARCHIVE_NAME_RE = re.compile(r"^(?P<login>.+)_(?P<stamp>\d{14})\.zip$", re.IGNORECASE)
JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)
UNSAFE_NAME = re.compile(r"(^[/\\])|(^[A-Za-z]:)|((^|[/\\])\.\.([/\\]|$))|\x00")


class ArchiveRejected(Exception):
    """The archive as a whole cannot be processed; nothing in it is sent. `kind` names the
    reason for the submissions journal: a domain error kind, or "format"."""

    def __init__(self, reason: str, kind: str = "format") -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass
class Contents:
    files: dict[str, bytes]  # lower-cased file name inside the data folder -> bytes
    names: dict[str, str]  # lower-cased name -> name as written in the archive
    warnings: list[str] = field(default_factory=list)


def stamp_of(name: str) -> datetime | None:
    """The YYYYMMDDhhmmss of a well-named archive, or None."""
    match = ARCHIVE_NAME_RE.match(name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group("stamp"), "%Y%m%d%H%M%S")
    except ValueError:
        return None


def uncompressed_size(data: bytes) -> int:
    """What the members claim to inflate to, from the central directory (nothing inflated);
    0 for no readable archive (read() will say why)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return sum(info.file_size for info in zf.infolist()[: MAX_MEMBERS + 1])
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return 0


def name_warnings(name: str, login: str) -> list[str]:
    match = ARCHIVE_NAME_RE.match(name)
    if not match:
        return [f"the name {name!r} does not follow <login>_<YYYYMMDDhhmmss>.zip; processed anyway"]
    out = []
    if match.group("login") != login:
        out.append(f"the name's login {match.group('login')!r} is not the FTP user {login!r}; processed anyway")
    if stamp_of(name) is None:
        out.append(f"{match.group('stamp')!r} in the name is no valid YYYYMMDDhhmmss; processed anyway")
    return out


def read(data: bytes) -> Contents:
    """The data files of the archive: those in the folder `sms` (or, leniently, at the root or
    in any single top-level folder)."""
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise ArchiveRejected("not a zip archive")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = _checked_members(archive)
            chosen, warnings = _data_folder(members)
            files: dict[str, bytes] = {}
            names: dict[str, str] = {}
            for info, inner in chosen:
                key = inner.lower()
                if key in files:
                    raise ArchiveRejected(f"two files named {inner!r} in the archive")
                with archive.open(info) as member:
                    files[key] = member.read(MAX_UNCOMPRESSED + 1)
                names[key] = inner
    except ArchiveRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error, ValueError, OSError) as exc:
        raise ArchiveRejected(f"damaged or unsupported zip archive: {exc}") from None
    except RuntimeError as exc:  # zipfile says "File ... is encrypted, password required"
        raise ArchiveRejected(f"cannot read the archive: {exc}") from None
    return Contents(files, names, warnings)


def _checked_members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveRejected(f"the archive has {len(infos)} members; at most {MAX_MEMBERS} are accepted")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise ArchiveRejected(f"the archive unpacks to {total} bytes; at most {MAX_UNCOMPRESSED} are accepted")
    members = []
    for info in infos:
        if UNSAFE_NAME.search(info.filename):
            raise ArchiveRejected(f"unsafe member name {info.filename!r} (absolute or with '..')")
        name = info.filename.replace("\\", "/")
        if info.is_dir() or JUNK.search(name):
            continue
        if info.flag_bits & 0x1:
            raise ArchiveRejected("the archive is password-protected; upload it without a password")
        members.append((info, name))
    if not members:
        raise ArchiveRejected("the archive contains no files")
    return members


def _data_folder(members: list[tuple[zipfile.ZipInfo, str]]) -> tuple[list[tuple[zipfile.ZipInfo, str]], list[str]]:
    folders = {name.split("/", 1)[0].lower() for _, name in members if "/" in name}
    at_root = [(i, n) for i, n in members if "/" not in n]
    if TOP_FOLDER in folders:
        prefix, warnings = TOP_FOLDER, []
    elif not at_root and len(folders) == 1:
        prefix = folders.pop()
        warnings = [f"the files are in the folder {prefix!r}, not {TOP_FOLDER!r}; processed anyway"]
    elif at_root and not folders:
        return at_root, [f"the files are at the archive root, not in the folder {TOP_FOLDER!r}; processed anyway"]
    else:
        raise ArchiveRejected(f"expected the files in the folder {TOP_FOLDER!r} of the archive")
    chosen = []
    for info, name in members:
        head, _, inner = name.partition("/")
        if head.lower() == prefix and inner and "/" not in inner:
            chosen.append((info, inner))
        else:
            warnings.append(f"{name!r} is outside the folder {prefix!r}; ignored")
    return chosen, warnings
