"""Images made to order for the tests: EXIF-rotated JPEGs and decompression bombs."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def oriented_jpeg(width: int, height: int, orientation: int) -> bytes:
    img = Image.new("RGB", (width, height), "white")
    img.paste((200, 0, 0), (0, 0, width // 2, height))  # left half red: rotation is visible
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header declares width x height pixels."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = 8 + 4  # signature, then the chunk length
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    return bytes(data)
