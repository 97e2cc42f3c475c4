"""Attachments from the web: a size cap enforced while the upload streams in, and content sniffing.

The browser's declared content type is not trusted: a file is accepted when its extension names an
allowed type (`tickets.models.ATTACHMENT_CONTENT_TYPES`) and its bytes are that type.
"""

import json
import unicodedata
from collections.abc import Callable
from functools import wraps
from pathlib import PurePosixPath, PureWindowsPath

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from tickets.models import ATTACHMENT_CONTENT_TYPES, ATTACHMENT_MAX_BYTES

SNIFF_BYTES = 16
# Text types are checked whole (every byte must be UTF-8, JSON must parse); binary ones by their head.
WHOLE_FILE_TYPES = frozenset({"text/plain", "text/csv", "application/json"})
MAX_NAME_LENGTH = 255


def _is_utf8_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def _is_json(data: bytes) -> bool:
    if not _is_utf8_text(data):
        return False
    try:
        json.loads(data.decode("utf-8-sig"))
    except ValueError:
        return False
    return True


# content type -> (does this whole file look like it, how to name it to a customer)
SNIFFERS: dict[str, tuple[Callable[[bytes], bool], str]] = {
    "image/png": (lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"), gettext_lazy("a PNG image")),
    "image/jpeg": (lambda data: data.startswith(b"\xff\xd8\xff"), gettext_lazy("a JPEG image")),
    "image/gif": (lambda data: data[:6] in (b"GIF87a", b"GIF89a"), gettext_lazy("a GIF image")),
    "application/pdf": (lambda data: data.startswith(b"%PDF-"), gettext_lazy("a PDF document")),
    "application/zip": (
        lambda data: data[:4] in (b"PK\x03\x04", b"PK\x05\x06"),
        gettext_lazy("a ZIP archive"),
    ),
    "text/plain": (_is_utf8_text, gettext_lazy("plain UTF-8 text")),
    "text/csv": (_is_utf8_text, gettext_lazy("UTF-8 CSV text")),
    "application/json": (_is_json, gettext_lazy("valid JSON")),
}

_ALIASES = {".jpeg": "image/jpeg", ".log": "text/plain"}
# Extension -> content type, for the allowed types only (a type without a sniffer is refused).
EXTENSIONS: dict[str, str] = {
    extension: content_type
    for extension, content_type in [
        *((ext, content_type) for content_type, ext in ATTACHMENT_CONTENT_TYPES.items()),
        *_ALIASES.items(),
    ]
    if content_type in ATTACHMENT_CONTENT_TYPES and content_type in SNIFFERS
}
ACCEPT_ATTRIBUTE = ",".join(sorted(EXTENSIONS))
ALLOWED_DESCRIPTION = gettext_lazy("PNG, JPEG, GIF, PDF, text, log, CSV, JSON or ZIP")


class AttachmentRejected(ValueError):
    """The upload is not an acceptable attachment; the message says why, for the customer."""


def clean_name(raw: str) -> str:
    """The customer's file name without any directory part or control characters, at most 255 long."""
    name = PureWindowsPath(PurePosixPath(raw).name).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip() or "attachment"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        name = stem[: MAX_NAME_LENGTH - len(suffix) - 1] + dot + suffix if dot else name[:MAX_NAME_LENGTH]
    return name


def attachment_content_type(upload: UploadedFile) -> str:
    """The verified content type of `upload`, or AttachmentRejected saying what is wrong with it."""
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise AttachmentRejected(
            _("The file is larger than %(size)d MiB.") % {"size": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    extension = PurePosixPath(clean_name(upload.name or "")).suffix.lower()
    content_type = EXTENSIONS.get(extension)
    if content_type is None:
        raise AttachmentRejected(_("Attach a %(types)s file.") % {"types": ALLOWED_DESCRIPTION})
    upload.seek(0)
    data = upload.read() if content_type in WHOLE_FILE_TYPES else upload.read(SNIFF_BYTES)
    upload.seek(0)
    sniff, description = SNIFFERS[content_type]
    if not sniff(data):
        raise AttachmentRejected(
            _("This file is named %(extension)s but its contents are not %(description)s.")
            % {"extension": extension, "description": description}
        )
    return content_type


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stops reading a file once it passes `max_bytes`, so an oversized upload is never stored whole.

    The skipped field's name is kept in `oversized` for the form to report.
    """

    def __init__(self, request=None, max_bytes: int = ATTACHMENT_MAX_BYTES) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.oversized: set[str] = set()
        self._received = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received += len(raw_data)
        if self._received > self.max_bytes:
            self.oversized.add(self.field_name)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers build the file


def with_limited_uploads(view):
    """Cap attachments while they stream in: the view gets `oversized`, the HTML names of the fields cut
    off. Upload handlers must be set before CSRF reads the body, so CSRF is checked here, after the
    handler is in place (Django's documented pattern)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        handler = SizeLimitedUploadHandler(request)
        request.upload_handlers.insert(0, handler)
        return protected(request, *args, oversized=handler.oversized, **kwargs)

    return wrapper
