"""Files for attachment tests, made on the spot: images of a given size, a PDF with text, a blank PDF."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image


def write_image(path: Path, width: int, height: int, *, noise: bool = False) -> Path:
    """An image file of this size (format from the suffix); `noise` makes it incompressible (large)."""
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (30, 120, 200))
        for x in range(0, width, max(1, width // 16)):
            for y in range(height):
                image.putpixel((x, y), (250, 250, 0))
    image.save(path)
    return path


def image_size(data: bytes) -> tuple[int, int]:
    """The pixel size of encoded image bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def write_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF with one page per string, each drawing that string in Helvetica ('' draws nothing)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    font_ref = writer._add_object(font)
    for text in pages:
        page = writer.add_blank_page(612, 792)
        stream = DecodedStreamObject()
        if text:
            stream.set_data(f"BT /F1 18 Tf 72 700 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    with path.open("wb") as out:
        writer.write(out)
    return path
