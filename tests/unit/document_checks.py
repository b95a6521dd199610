"""Inspecting rendered PDFs: text per page (pypdf) and pixels per page (pypdfium2)."""

from __future__ import annotations

from io import BytesIO

import numpy as np
import pypdfium2 as pdfium
from PIL import Image
from pypdf import PdfReader

MM = 72 / 25.4


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (float(page.mediabox.width), float(page.mediabox.height))
        for page in PdfReader(BytesIO(pdf)).pages
    ]


def render_pages(pdf: bytes, dpi: float, pages: range | None = None) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    indexes = pages if pages is not None else range(len(document))
    images = [document[index].render(scale=dpi / 72).to_pil().convert("L") for index in indexes]
    document.close()
    return images


def ink_outside(image: Image.Image, margin_mm: float, dpi: float) -> dict[str, int]:
    """Dark pixels in each border strip `margin_mm` wide; all zero means clean margins."""
    pixels = np.asarray(image)
    strip = int(margin_mm / 25.4 * dpi)
    dark = pixels < 245
    return {
        "top": int(dark[:strip, :].sum()),
        "bottom": int(dark[-strip:, :].sum()),
        "left": int(dark[:, :strip].sum()),
        "right": int(dark[:, -strip:].sum()),
    }
