"""Small files for the document tests, made on the fly (no binary fixtures in the repo)."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"PE\x00\x00"


def png(width: int = 64, height: int = 48, colour=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS IFD), as a phone camera writes it."""
    image = Image.new("RGB", (40, 30), (30, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def minimal_pdf(text: str = "Kangfu", pad: int = 0) -> bytes:
    """A one-page PDF written by hand with a correct cross-reference table; ``pad`` adds an
    unused stream object of that many bytes (to reach a size exactly)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if pad:
        objects.append(b"<< /Length %d >>\nstream\n" % pad + b"0" * pad + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@lru_cache(maxsize=1)
def weasyprint_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>社区戒毒协议</h1><p>签字页</p>").write_pdf()


def pdf_of_size(size: int) -> bytes:
    pad = 1000
    for _ in range(3):
        pad += size - len(minimal_pdf(pad=pad))
    data = minimal_pdf(pad=pad)
    assert len(data) == size
    return data
