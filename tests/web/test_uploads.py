"""Attachment checks: by content, not by what the browser declares; size capped while streaming."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile

from support_desk.web.uploads import (
    EXTENSIONS,
    SNIFFERS,
    AttachmentRejected,
    SizeLimitedUploadHandler,
    attachment_content_type,
    clean_name,
)
from tickets.models import ATTACHMENT_CONTENT_TYPES, ATTACHMENT_MAX_BYTES

SAMPLES = {
    "image/png": ("a.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    "image/jpeg": ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
    "image/gif": ("a.gif", b"GIF89a\x01\x00\x01\x00"),
    "application/pdf": ("a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3"),
    "application/zip": ("a.zip", b"PK\x03\x04\x14\x00\x00\x00"),
    "text/plain": ("a.txt", "stall at 12:00 — São Paulo\n".encode()),
    "text/csv": ("a.csv", b"time,bitrate\n12:00,0\n"),
    "application/json": ("a.json", b'{"edge": "fra1", "errors": [502, 502]}'),
}


def test_every_allowed_type_has_a_sniffer_and_an_extension():
    assert set(SNIFFERS) >= set(ATTACHMENT_CONTENT_TYPES)
    assert set(EXTENSIONS.values()) == set(ATTACHMENT_CONTENT_TYPES)
    assert set(SAMPLES) == set(ATTACHMENT_CONTENT_TYPES)


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_each_allowed_type_is_recognised_by_its_bytes(content_type):
    name, data = SAMPLES[content_type]
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    assert attachment_content_type(upload) == content_type
    assert upload.tell() == 0  # left ready to be stored


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.png", SAMPLES["image/jpeg"][1]),
        ("a.jpg", SAMPLES["image/png"][1]),
        ("a.gif", b"GIF90a"),
        ("a.zip", b"MZ\x90\x00"),
        ("a.pdf", b"<html>"),
        ("a.txt", b"\x00\x01binary"),
        ("a.csv", b"\xff\xfe not utf-8"),
        ("a.json", b"{'single': 'quotes'}"),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(name, data):
    with pytest.raises(AttachmentRejected, match="its contents are not"):
        attachment_content_type(SimpleUploadedFile(name, data))


@pytest.mark.parametrize("name", ["a.exe", "a.html", "a.svg", "a", "a.png.exe", "archive.tar.gz"])
def test_types_outside_the_list_are_refused(name):
    with pytest.raises(AttachmentRejected, match="Attach a PNG"):
        attachment_content_type(SimpleUploadedFile(name, b"PK\x03\x04"))


def test_upper_case_and_alias_extensions_are_fine():
    assert attachment_content_type(SimpleUploadedFile("SHOT.JPEG", SAMPLES["image/jpeg"][1])) == "image/jpeg"
    assert attachment_content_type(SimpleUploadedFile("player.log", b"ok\n")) == "text/plain"


def test_an_oversized_file_is_refused():
    upload = SimpleUploadedFile("a.txt", b"a" * (ATTACHMENT_MAX_BYTES + 1))
    with pytest.raises(AttachmentRejected, match="larger than 5 MiB"):
        attachment_content_type(upload)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\ana\\Desktop\\shot.png", "shot.png"),
        ("bad\x00name\n.png", "badname.png"),
        ("", "attachment"),
        ("x" * 300 + ".png", "x" * 251 + ".png"),
    ],
)
def test_file_names_lose_paths_and_control_characters(raw, clean):
    assert clean_name(raw) == clean


def test_the_upload_handler_stops_reading_a_file_past_the_limit():
    handler = SizeLimitedUploadHandler(max_bytes=10)
    handler.new_file("attachment", "a.zip", "application/zip", None)
    assert handler.receive_data_chunk(b"x" * 6, 0) == b"x" * 6
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x" * 6, 6)
    assert handler.oversized == {"attachment"}
    # The next file starts its own count.
    handler.new_file("other", "b.txt", "text/plain", None)
    assert handler.receive_data_chunk(b"x" * 10, 0) == b"x" * 10
    assert handler.oversized == {"attachment"}
