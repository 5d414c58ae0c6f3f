"""Image uploads made safe to serve: checked, decoded, re-encoded without metadata.

Pure functions over bytes (no database, no files), so the limits are tested at their
edges without a server. Pillow does the decoding and encoding.

- Accepted: JPEG, PNG, GIF and WebP, recognised from their content, not their name.
- Refused before decoding: more than ``max_bytes`` bytes or ``max_pixels`` pixels (read
  from the header, so a small file that would decode to gigabytes is never decoded), and
  animations whose frames hold more than ``ANIMATION_PIXEL_FACTOR`` times that together.
- Re-encoded: EXIF (camera, GPS position), XMP and comments are dropped; a JPEG's
  orientation tag is applied to the pixels first, so the image stands as it was taken.
  Animated GIFs and WebPs keep their frames.
- A preview (``small``) fits in ``SMALL_BOX`` pixels, the first frame of an animation.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from parley.errors import Invalid

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"), "WEBP": ("image/webp", "webp")}
SMALL_BOX = (640, 640)
SMALL_TYPES = {"jpg": "image/jpeg", "png": "image/png"}  # a preview's extension and type
ANIMATION_PIXEL_FACTOR = 4
JPEG_QUALITY = 90
SMALL_QUALITY = 80


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    original: Encoded
    small: Encoded
    animated: bool


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.4g} MB"


def process(data: bytes, *, max_bytes: int, max_pixels: int) -> Processed:
    """Check and re-encode an uploaded image, or raise ``Invalid`` saying what is wrong."""
    if not data:
        raise Invalid("Validation failed: The file is empty")
    if len(data) > max_bytes:
        raise Invalid(
            "Validation failed: The image is %(size)s; the limit is %(limit)s",
            size=_megabytes(len(data)),
            limit=_megabytes(max_bytes),
        )
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except UnidentifiedImageError as exc:
        raise Invalid("Validation failed: The file is not an image Parley accepts (JPEG, PNG, GIF or WebP)") from exc
    except Image.DecompressionBombError as exc:  # Pillow's own guard, far above any sane limit
        raise Invalid(
            "Validation failed: The image has too many pixels; the limit is %(limit)s pixels", limit=f"{max_pixels:,}"
        ) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise Invalid("Validation failed: The image could not be read; the file may be damaged") from exc
    with image:
        fmt = image.format or ""
        width, height = image.size
        if width < 1 or height < 1:
            raise Invalid("Validation failed: The image has no pixels")
        if width * height > max_pixels:
            raise Invalid(
                "Validation failed: The image is %(width)s × %(height)s pixels (%(pixels)s); "
                "the limit is %(limit)s pixels",
                width=width,
                height=height,
                pixels=f"{width * height:,}",
                limit=f"{max_pixels:,}",
            )
        frames = getattr(image, "n_frames", 1) if fmt in ("GIF", "WEBP") else 1
        if frames > 1 and frames * width * height > ANIMATION_PIXEL_FACTOR * max_pixels:
            raise Invalid(
                "Validation failed: The animation has %(frames)s frames of %(width)s × %(height)s pixels; "
                "together they may hold at most %(limit)s pixels",
                frames=frames,
                width=width,
                height=height,
                limit=f"{ANIMATION_PIXEL_FACTOR * max_pixels:,}",
            )
        try:
            return _reencode(image, fmt, frames)
        except Image.DecompressionBombError as exc:
            raise Invalid("Validation failed: The image is too large to decode") from exc
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise Invalid("Validation failed: The image could not be read; the file may be damaged") from exc


def _reencode(image: Image.Image, fmt: str, frames: int) -> Processed:
    content_type, extension = FORMATS[fmt]
    if frames > 1:
        original = _save_animation(image, fmt)
        image.seek(0)
        first = image.convert("RGBA" if _has_alpha(image) else "RGB")
    else:
        image.load()
        first = ImageOps.exif_transpose(image) if fmt in ("JPEG", "WEBP") else image
        original = _save_still(first, fmt)
    small = _small(first)
    return Processed(
        original=Encoded(original, content_type, extension, first.width, first.height),
        small=small,
        animated=frames > 1,
    )


def _save_still(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    # Only what is passed here is written: EXIF, XMP and comments in ``image.info`` are not.
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
        rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, **extra)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=False, **extra)
    elif fmt == "WEBP":
        mode = "RGBA" if _has_alpha(image) else "RGB"
        image.convert(mode).save(out, "WEBP", quality=JPEG_QUALITY, exif=b"", xmp=b"", **extra)
    else:  # a one-frame GIF
        clean = image.copy()
        clean.info.pop("comment", None)
        clean.save(out, "GIF")
    return out.getvalue()


def _save_animation(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.info.pop("comment", None)
    image.info.pop("exif", None)
    image.info.pop("xmp", None)
    if fmt == "GIF":
        image.save(out, "GIF", save_all=True, loop=image.info.get("loop", 0), disposal=2)
    else:
        image.save(out, "WEBP", save_all=True, exif=b"", xmp=b"", quality=JPEG_QUALITY)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _small(image: Image.Image) -> Encoded:
    """The preview: fits in ``SMALL_BOX``, JPEG, or PNG when the image has transparency."""
    alpha = _has_alpha(image)
    thumb = image.convert("RGBA" if alpha else "RGB")
    thumb.thumbnail(SMALL_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if alpha:
        thumb.save(out, "PNG")
        return Encoded(out.getvalue(), SMALL_TYPES["png"], "png", thumb.width, thumb.height)
    thumb.save(out, "JPEG", quality=SMALL_QUALITY, optimize=True)
    return Encoded(out.getvalue(), SMALL_TYPES["jpg"], "jpg", thumb.width, thumb.height)
