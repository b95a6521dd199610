"""The documents' typeface: DejaVu Sans, shipped with the package for its Cyrillic glyphs.

The standard PDF fonts (Helvetica…) cover Latin-1 only, so a monogram in Cyrillic would
print as black boxes. Registration parses the TTFs (tens of milliseconds), so it happens
once, on first use, not at import.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

_FONT_DIR = Path(__file__).parent / "fonts"


@cache
def register_fonts() -> None:
    """Register DejaVu Sans with ReportLab; later calls do nothing."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(_FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(_FONT_DIR / "DejaVuSans-Bold.ttf")))
    # Paragraph markup (<b>, <i>) resolves through this family; there is no italic
    # face shipped, so italic falls back to the upright faces.
    for bold, italic, name in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, REGULAR), (1, 1, BOLD)):
        addMapping(REGULAR, bold, italic, name)
