"""Machine-readable marks: a QR code for the job URL and a Code128 barcode for the job id."""

from __future__ import annotations

import itertools

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from mcbackend.documents.fonts import REGULAR

_QUIET_MODULES = 4  # the white border a scanner needs around a QR code


class QrFlowable(Flowable):
    """A QR code of `size` points square, quiet zone included.

    Drawn as one filled path in module units: the dark runs of each row become integer
    rectangles written straight into the page stream. ReportLab's own QR widget creates a
    shape object per run and formats every float coordinate, which costs more than the
    rest of a job sheet page. Level M survives a smudge or a crease on the shop floor.
    """

    def __init__(self, value: str, size: float) -> None:
        super().__init__()
        self.value = value
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        code = QRCode(None, QRErrorCorrectLevel.M)
        code.addData(self.value)
        code.make()
        count = code.getModuleCount()
        side = count + 2 * _QUIET_MODULES
        runs = []
        for row_index, row in enumerate(code.modules):
            y = side - _QUIET_MODULES - 1 - row_index
            column = _QUIET_MODULES
            for dark, run in itertools.groupby(row):
                length = len(list(run))
                if dark:
                    runs.append(f"{column} {y} {length} 1 re")
                column += length
        canvas = self.canv
        canvas.saveState()
        canvas.scale(self.size / side, self.size / side)
        canvas.setFillColor(black)
        canvas.addLiteral("\n".join(runs) + "\nf")
        canvas.restoreState()


def code128(value: str, max_width: float, bar_height: float = 11 * mm) -> Code128:
    """A Code128 barcode with human-readable text, as wide as fits up to 0.33 mm a bar."""
    # At one point a module the width is the module count plus ten modules of quiet
    # zone on each side, so it scales linearly with the bar width.
    modules = Code128(value, barWidth=1).width
    bar_width = min(0.33 * mm, max_width / modules)
    return Code128(
        value,
        barWidth=bar_width,
        barHeight=bar_height,
        humanReadable=True,
        fontName=REGULAR,
        fontSize=8,
    )
