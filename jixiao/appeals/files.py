"""What an appeal may carry: up to 5 files of 10 MB, PDF, images, Office files or text (decision 0011).

A file is accepted when its extension is on the list *and* its first bytes look like that kind of file, so a
renamed program or web page is refused. The stored content type comes from the extension (never from the
browser), and files are served only as downloads through the appeal's gate.
"""

from __future__ import annotations

import codecs
import posixpath
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from jixiao.core.errors import DomainError

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 64 * 1024

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _starts(*prefixes: bytes) -> Callable[[bytes, Any], bool]:
    return lambda head, _file: head.startswith(prefixes)


def _webp(head: bytes, _file: Any) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _ooxml(folder: str) -> Callable[[bytes, Any], bool]:
    """A Word/Excel/PowerPoint file: a zip holding [Content_Types].xml and the part's own folder."""

    def check(head: bytes, file: Any) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(file)
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


def _opendocument(head: bytes, file: Any) -> bool:
    return head.startswith(b"PK\x03\x04") and "mimetype" in _zip_names(file)


def _zip_names(file: Any) -> set[str]:
    """The names in a zip's directory (nothing is unpacked); empty when it is not a readable zip."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            return set(archive.namelist()[:5000])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return set()
    finally:
        file.seek(0)


def _text(head: bytes, _file: Any) -> bool:
    """Plain text: no NUL bytes, and it reads as UTF-8 (or GB18030, what Chinese Windows writes)."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


@dataclass(frozen=True)
class Kind:
    content_type: str
    looks_right: Callable[[bytes, Any], bool]


KINDS: dict[str, Kind] = {
    "pdf": Kind("application/pdf", _starts(b"%PDF-")),
    "png": Kind("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": Kind("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": Kind("image/jpeg", _starts(b"\xff\xd8\xff")),
    "gif": Kind("image/gif", _starts(b"GIF87a", b"GIF89a")),
    "webp": Kind("image/webp", _webp),
    "doc": Kind("application/msword", _starts(OLE)),
    "xls": Kind("application/vnd.ms-excel", _starts(OLE)),
    "ppt": Kind("application/vnd.ms-powerpoint", _starts(OLE)),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ooxml("word/")),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ooxml("xl/")),
    "pptx": Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ooxml("ppt/")),
    "odt": Kind("application/vnd.oasis.opendocument.text", _opendocument),
    "ods": Kind("application/vnd.oasis.opendocument.spreadsheet", _opendocument),
    "odp": Kind("application/vnd.oasis.opendocument.presentation", _opendocument),
    "txt": Kind("text/plain; charset=utf-8", _text),
    "csv": Kind("text/csv; charset=utf-8", _text),
    "md": Kind("text/plain; charset=utf-8", _text),
}
# What the file picker offers (the browser's hint only; the checks above decide).
ACCEPT = ",".join(f".{ext}" for ext in KINDS)


@dataclass(frozen=True)
class CheckedFile:
    upload: Any
    name: str
    extension: str
    size: int
    content_type: str


def clean_name(raw: str) -> str:
    """The file's own name without any folder, control characters or surrounding dots and spaces."""
    base = posixpath.basename(str(raw or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".").strip()
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else base[:200]
    return base


def _head(upload: Any) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return bytes(head or b"")


def check_uploads(files: Sequence[Any]) -> list[CheckedFile]:
    """Every file checked before anything is written; a refusal names each file that fails, beside `files`."""
    if len(files) > MAX_FILES:
        message = _("Attach at most %(n)s files.") % {"n": MAX_FILES}
        raise DomainError(message, code="invalid", fields={"files": [message]})
    problems: list[str] = []
    checked: list[CheckedFile] = []
    for upload in files:
        name = clean_name(getattr(upload, "name", "")) or _("file")
        _stem, dot, ext = name.rpartition(".")
        ext = ext.lower() if dot else ""
        kind = KINDS.get(ext)
        size = int(getattr(upload, "size", 0) or 0)
        if kind is None:
            problems.append(
                _("“%(name)s”: this kind of file cannot be attached. Attach PDF, images, Office files or text.")
                % {"name": name}
            )
        elif size <= 0:
            problems.append(_("“%(name)s” is empty.") % {"name": name})
        elif size > MAX_FILE_BYTES:
            problems.append(_("“%(name)s” is larger than 10 MB.") % {"name": name})
        elif not kind.looks_right(_head(upload), upload):
            problems.append(
                _("“%(name)s” does not look like a .%(ext)s file. Save it again in that format.")
                % {"name": name, "ext": ext}
            )
        else:
            checked.append(CheckedFile(upload, name, ext, size, kind.content_type))
    if problems:
        raise DomainError(_("Some files cannot be attached."), code="invalid", fields={"files": problems})
    return checked
