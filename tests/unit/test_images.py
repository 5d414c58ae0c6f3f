"""Uploaded images: formats, limits at their edges, metadata stripped, orientation applied."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from parley.errors import Invalid
from parley.media.images import ANIMATION_PIXEL_FACTOR, SMALL_BOX, process

BIG = 10**8


def encode(image: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


def camera_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Camera maker"
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 12.0), 3: "E", 4: (4.0, 53.0, 0.0)}  # GPS position
    return exif.tobytes()


def reopen(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize(("fmt", "content_type", "extension"), [
    ("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("GIF", "image/gif", "gif"), ("WEBP", "image/webp", "webp"),
])
def test_accepted_formats_keep_their_format_and_size(fmt: str, content_type: str, extension: str) -> None:
    data = encode(Image.new("RGB", (320, 200), (10, 120, 200)), fmt)
    result = process(data, max_bytes=BIG, max_pixels=BIG)
    assert (result.original.content_type, result.original.extension) == (content_type, extension)
    assert (result.original.width, result.original.height) == (320, 200)
    assert reopen(result.original.data).format == fmt
    assert reopen(result.original.data).size == (320, 200)


def test_jpeg_loses_gps_and_camera_but_stands_upright() -> None:
    # Orientation 6: the camera was turned; the stored pixels are 200 wide, 100 high.
    data = encode(Image.new("RGB", (200, 100), (200, 10, 10)), "JPEG", exif=camera_exif(6))
    assert reopen(data).getexif()[0x0112] == 6
    result = process(data, max_bytes=BIG, max_pixels=BIG)
    image = reopen(result.original.data)
    assert image.size == (100, 200) and (result.original.width, result.original.height) == (100, 200)
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert b"Camera maker" not in result.original.data and b"Camera maker" not in result.small.data


def test_webp_and_png_lose_their_metadata() -> None:
    webp = encode(Image.new("RGB", (60, 40)), "WEBP", exif=camera_exif())
    assert b"Camera maker" in webp
    assert b"Camera maker" not in process(webp, max_bytes=BIG, max_pixels=BIG).original.data
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe, Main Street 1")
    png = encode(Image.new("RGBA", (60, 40)), "PNG", pnginfo=info)
    result = process(png, max_bytes=BIG, max_pixels=BIG)
    assert b"Main Street" not in result.original.data
    assert reopen(result.original.data).info.get("Author") is None


def test_animated_gif_keeps_its_frames_and_loses_its_comment() -> None:
    frames = [Image.new("RGB", (50, 40), (i * 40, 0, 0)) for i in range(5)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0, comment=b"secret")
    result = process(data, max_bytes=BIG, max_pixels=BIG)
    assert result.animated
    image = reopen(result.original.data)
    assert getattr(image, "n_frames", 1) == 5
    assert b"secret" not in result.original.data
    assert reopen(result.small.data).format == "JPEG"  # the preview is the first frame


def test_animation_pixel_budget() -> None:
    frames = [Image.new("RGB", (10, 10), (i * 10, 0, 0)) for i in range(8)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    # 8 frames of 100 pixels: allowed while 800 <= factor * max_pixels.
    process(data, max_bytes=BIG, max_pixels=800 // ANIMATION_PIXEL_FACTOR)
    with pytest.raises(Invalid, match="8 frames"):
        process(data, max_bytes=BIG, max_pixels=800 // ANIMATION_PIXEL_FACTOR - 1)


def test_byte_limit_edge() -> None:
    data = encode(Image.new("RGB", (64, 64)), "PNG")
    process(data, max_bytes=len(data), max_pixels=BIG)
    with pytest.raises(Invalid, match="limit"):
        process(data, max_bytes=len(data) - 1, max_pixels=BIG)


def test_pixel_limit_edge_is_read_from_the_header() -> None:
    data = encode(Image.new("L", (100, 50)), "PNG")
    process(data, max_bytes=BIG, max_pixels=5000)
    with pytest.raises(Invalid, match="100 × 50 pixels"):
        process(data, max_bytes=BIG, max_pixels=4999)


def test_decompression_bombs_are_refused_before_decoding() -> None:
    # 5,000 × 4,000 one-colour pixels compress to a small file but would decode to 60 MB.
    bomb = encode(Image.new("1", (5_000, 4_000)), "PNG")
    assert len(bomb) < 50_000
    with pytest.raises(Invalid, match="20,000,000"):
        process(bomb, max_bytes=BIG, max_pixels=16_777_216)
    # 20,000 × 20,000: also above Pillow's own guard.
    bomb = encode(Image.new("1", (20_000, 20_000)), "PNG")
    assert len(bomb) < 200_000
    with pytest.raises(Invalid, match="the limit is 16,777,216 pixels"):
        process(bomb, max_bytes=BIG, max_pixels=16_777_216)


@pytest.mark.parametrize("data", [b"", b"hello, not an image", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.4"])
def test_not_an_image(data: bytes) -> None:
    with pytest.raises(Invalid):
        process(data, max_bytes=BIG, max_pixels=BIG)


def test_damaged_image() -> None:
    data = encode(Image.new("RGB", (400, 300), (1, 2, 3)), "JPEG")
    with pytest.raises(Invalid, match="damaged"):
        process(data[: len(data) // 3], max_bytes=BIG, max_pixels=BIG)


def test_preview_fits_the_box_and_keeps_transparency() -> None:
    result = process(encode(Image.new("RGB", (3000, 1000)), "JPEG"), max_bytes=BIG, max_pixels=BIG)
    assert (result.small.width, result.small.height) == (SMALL_BOX[0], SMALL_BOX[0] // 3)
    assert reopen(result.small.data).size == (result.small.width, result.small.height)
    transparent = process(encode(Image.new("RGBA", (100, 100), (0, 0, 0, 0)), "PNG"), max_bytes=BIG, max_pixels=BIG)
    assert transparent.small.content_type == "image/png" and reopen(transparent.small.data).mode == "RGBA"
