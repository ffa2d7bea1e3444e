"""What a file really is, told by its content, and its preview.

The name and the browser's content type are the uploader's claim; only the bytes count. A
file is accepted when its first bytes are those of a PDF, JPEG or PNG *and* it parses as
one (Pillow decodes the whole image; pypdf reads the PDF's page tree), so an ``.exe``
renamed ``.pdf`` or a truncated scan is refused with a message naming the field.

Photos from a phone carry EXIF, often with the place they were taken: Kangfu does not keep
where people are (DOMAIN.md "Out of scope"), so the EXIF and XMP segments of a JPEG and the
eXIf and text chunks of a PNG are removed without re-encoding the picture.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kangfu.documents.choices import FileType

MAX_BYTES = 10 * 1024 * 1024
# A scan at 600 dpi of an A3 page is about 70 million pixels; more is a decompression bomb.
MAX_PIXELS = 80_000_000
PREVIEW_SIZE = 320
PDFTOPPM_SECONDS = 20

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True)
class Checked:
    file_type: FileType
    data: bytes  # what is stored: the upload, less its location-bearing metadata


def refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def too_big_message(size: int) -> str:
    return _("The file is %(size).1f MB; a document may be at most %(max)d MB.") % {
        "size": size / (1024 * 1024),
        "max": MAX_BYTES // (1024 * 1024),
    }


def sniff(data: bytes) -> FileType | None:
    if data.startswith(PDF_MAGIC):
        return FileType.PDF
    if data.startswith(PNG_MAGIC):
        return FileType.PNG
    if data.startswith(JPEG_MAGIC):
        return FileType.JPEG
    return None


def check(data: bytes) -> Checked:
    """The file's real type, or a ValidationError on ``file`` in plain Chinese."""
    if not data:
        raise refuse(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise refuse(too_big_message(len(data)))
    kind = sniff(data)
    if kind is None:
        raise refuse(
            _("This file is not a PDF, JPEG or PNG (its content was checked, not its name).")
        )
    if kind == FileType.PDF:
        _check_pdf(data)
        return Checked(kind, data)
    _check_image(data, kind)
    return Checked(kind, strip_jpeg(data) if kind == FileType.JPEG else strip_png(data))


def _check_image(data: bytes, kind: FileType) -> None:
    broken = refuse(_("The picture is damaged or incomplete and cannot be read."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # verify() checks the structure (a PNG's chunk checksums and its end); it leaves
            # the image unusable, so the decode below opens it again.
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.format != {FileType.PNG: "PNG", FileType.JPEG: "JPEG"}[kind]:
                    raise broken
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise refuse(_("The picture is too large (more than 80 million pixels)."))
                image.load()  # decode every pixel: a truncated file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise refuse(_("The picture is too large (more than 80 million pixels).")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        raise broken from None


def _check_pdf(data: bytes) -> None:
    broken = refuse(_("The PDF is damaged or incomplete and cannot be read."))
    if b"%%EOF" not in data[-2048:]:
        raise broken
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:  # pragma: no cover - pypdf is a runtime requirement
        return
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise refuse(_("The PDF is protected by a password; attach an unprotected copy."))
        if len(reader.pages) < 1:
            raise broken
        # Reading the first page's box proves the page tree parses.
        if reader.pages[0].mediabox is None:
            raise broken
    except ValidationError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise broken from None


# --- metadata that may say where a photo was taken -----------------------------------------

# APP1 holds EXIF (with GPS) and XMP; APP13 Photoshop IRB may repeat them.
_JPEG_DROP = {0xE1, 0xED}


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG without its APP1/APP13 segments; the image data itself is copied as is."""
    out, i = bytearray(data[:2]), 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker not in _JPEG_DROP:
            out += data[i : i + 2 + length]
        i += 2 + length
    out += data[i:]
    return bytes(out)


_PNG_DROP = {b"eXIf", b"tEXt", b"iTXt", b"zTXt"}


def strip_png(data: bytes) -> bytes:
    out, i = bytearray(PNG_MAGIC), len(PNG_MAGIC)
    while i + 8 <= len(data):
        length = struct.unpack(">I", data[i : i + 4])[0]
        chunk = data[i + 4 : i + 8]
        end = i + 12 + length
        if chunk not in _PNG_DROP:
            out += data[i:end]
        i = end
        if chunk == b"IEND":
            break
    return bytes(out)


# --- previews ----------------------------------------------------------------------------------


def preview(data: bytes, file_type: str) -> bytes | None:
    """A small PNG of the picture or of the PDF's first page, or None when none can be made
    (then the pages show a PDF icon)."""
    try:
        if file_type == FileType.PDF:
            return _pdf_first_page(data)
        with Image.open(io.BytesIO(data)) as image:
            return _thumbnail(ImageOps.exif_transpose(image))
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def _thumbnail(image: Image.Image) -> bytes:
    image = image.convert("RGB")
    image.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def _pdf_first_page(data: bytes) -> bytes | None:
    program = pdftoppm()
    if program is None:
        return None
    # stdin and stdout: the clear PDF never touches the disk.
    done = subprocess.run(
        [program, "-png", "-f", "1", "-l", "1", "-scale-to", str(PREVIEW_SIZE), "-singlefile", "-"],
        input=data,
        capture_output=True,
        timeout=PDFTOPPM_SECONDS,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.startswith(PNG_MAGIC):
        return None
    with Image.open(io.BytesIO(done.stdout)) as image:
        return _thumbnail(image)
