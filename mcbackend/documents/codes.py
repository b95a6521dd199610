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

    ReportLab's own QR widget draws one rectangle object per dark run; here the runs
    go into a single filled path, which is smaller in the PDF and quicker to write.
    Level M survives a smudge or a crease on the shop floor.
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
        module = self.size / (count + 2 * _QUIET_MODULES)
        path = self.canv.beginPath()
        for row_index, row in enumerate(code.modules):
            y = self.size - (row_index + _QUIET_MODULES + 1) * module
            column = 0
            for dark, run in itertools.groupby(row):
                length = len(list(run))
                if dark:
                    x = (column + _QUIET_MODULES) * module
                    # a hair taller than a module so adjacent rows leave no hairline gap
                    path.rect(x, y, length * module, module * 1.02)
                column += length
        self.canv.setFillColor(black)
        self.canv.drawPath(path, stroke=0, fill=1)


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
