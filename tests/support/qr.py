"""Reading QR codes back from PNG bytes, as a phone's camera would (zxing-cpp over Pillow)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def decoded_qr(png: bytes) -> list[str]:
    """The text of every QR code in the image (a PNG that is no image raises)."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return [barcode.text for barcode in zxingcpp.read_barcodes(image.convert("L"))]
