"""Media attachments: upload, describe, attach to a post, serve, delete.

An upload is checked and re-encoded (``parley.media.images``), written under
``<data_dir>/media/<file key>/`` and recorded unattached; a post takes up to
``max_media_attachments`` of its author's unattached uploads. As in Mastodon, an upload
can be described and deleted only until a post takes it; afterwards the post's edit does.
The files of a deleted or removed post are no longer served.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Invalid, NotFound
from parley.media.images import SMALL_TYPES, process
from parley.safety.decisions import check_can_act
from parley.settings import Settings
from parley.store.tables import Account, MediaAttachment, Post, utcnow

MAX_DESCRIPTION = 1500
NAMES = ("original", "small")


def media_root(settings: Settings) -> Path:
    return settings.data_dir / "media"


def parse_focus(raw: str | None) -> tuple[float, float] | None:
    """Mastodon's focal point "x,y", each from -1.0 to 1.0 (0,0 is the centre)."""
    if raw is None or raw.strip() == "":
        return None
    try:
        x, y = (float(part) for part in raw.split(","))
    except ValueError as exc:
        raise Invalid("Validation failed: Focus must be two numbers from -1.0 to 1.0, as x,y") from exc
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise Invalid("Validation failed: Focus must be two numbers from -1.0 to 1.0, as x,y")
    return x, y


def check_description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid("Validation failed: Description is too long (maximum is %(max)s characters)", max=MAX_DESCRIPTION)
    return description


def upload(
    session: Session,
    settings: Settings,
    account: Account,
    data: bytes,
    *,
    description: str = "",
    focus: str | None = None,
) -> MediaAttachment:
    """Check, re-encode and store an image; the attachment waits for a post to take it."""
    check_can_act(account)
    description = check_description(description)
    point = parse_focus(focus) or (0.0, 0.0)
    image = process(data, max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels)
    key = secrets.token_hex(16)
    folder = media_root(settings) / key
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / f"original.{image.original.extension}", image.original.data)
    _write(folder / f"small.{image.small.extension}", image.small.data)
    media = MediaAttachment(
        id=ids.new_id(),
        account_id=account.id,
        file_key=key,
        content_type=image.original.content_type,
        extension=image.original.extension,
        file_size=len(image.original.data),
        width=image.original.width,
        height=image.original.height,
        small_extension=image.small.extension,
        small_width=image.small.width,
        small_height=image.small.height,
        description=description,
        focus_x=point[0],
        focus_y=point[1],
    )
    session.add(media)
    session.flush()
    return media


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: a reader never sees half a file."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def own_unattached(session: Session, account_id: int, media_id: int) -> MediaAttachment:
    """The caller's upload not yet in a post; anything else is "not found", as in Mastodon."""
    media = session.get(MediaAttachment, media_id)
    if media is None or media.account_id != account_id or media.post_id is not None:
        raise NotFound("Record not found")
    return media


def update(
    session: Session, account_id: int, media_id: int, *, description: str | None = None, focus: str | None = None
) -> MediaAttachment:
    """Describe an upload (or move its focal point) before a post takes it."""
    media = own_unattached(session, account_id, media_id)
    describe(media, description, focus)
    session.flush()
    return media


def describe(media: MediaAttachment, description: str | None, focus: str | None) -> None:
    if description is not None:
        media.description = check_description(description)
    point = parse_focus(focus)
    if point is not None:
        media.focus_x, media.focus_y = point


def delete(session: Session, account_id: int, media_id: int) -> str:
    """Delete an upload no post has taken; return its file key, for ``remove_files`` once
    the transaction has committed."""
    media = session.get(MediaAttachment, media_id)
    if media is None or media.account_id != account_id:
        raise NotFound("Record not found")
    if media.post_id is not None:
        raise Invalid("Media attachment is currently used by a status")
    session.delete(media)
    session.flush()
    return media.file_key


def prune(session: Session, older_than: timedelta) -> list[str]:
    """Delete the uploads nobody posted, and those of posts deleted, ``older_than`` ago;
    return their file keys, for ``remove_files`` once the transaction has committed."""
    cutoff = utcnow() - older_than
    gone = session.scalars(
        select(MediaAttachment).where(
            MediaAttachment.created_at < cutoff,
            or_(
                MediaAttachment.post_id.is_(None),
                MediaAttachment.post_id.in_(select(Post.id).where(Post.deleted_at < cutoff)),
            ),
        )
    ).all()
    keys = [m.file_key for m in gone]
    for m in gone:
        session.delete(m)
    session.flush()
    return keys


def remove_files(settings: Settings, keys: list[str]) -> None:
    for key in keys:
        folder = media_root(settings) / key
        if folder.is_dir():
            for child in folder.iterdir():
                child.unlink(missing_ok=True)
            folder.rmdir()


def take(
    session: Session, author: Account, media_ids: list[int], limit: int, post_id: int | None = None
) -> list[MediaAttachment]:
    """The uploads a post will hold (at most ``limit``), in the order asked: the author's,
    not in another post (``post_id``: the post being edited, whose own attachments it may
    keep)."""
    if len(media_ids) > limit:
        raise Invalid("Validation failed: Cannot attach more than %(max)s files", max=limit)
    if len(set(media_ids)) != len(media_ids):
        raise Invalid("Validation failed: The same media attachment is given twice")
    if not media_ids:
        return []
    found = {
        m.id: m for m in session.scalars(select(MediaAttachment).where(MediaAttachment.id.in_(media_ids)))
    }
    # A deleted post's attachments may be taken again: "delete and redraft".
    holders = {m.post_id for m in found.values() if m.post_id is not None and m.post_id != post_id}
    deleted = set(
        session.scalars(select(Post.id).where(Post.id.in_(holders), Post.deleted_at.is_not(None)))
    ) if holders else set()
    usable = {
        i for i, m in found.items()
        if m.account_id == author.id and (m.post_id in (None, post_id) or m.post_id in deleted)
    }
    missing = [str(i) for i in media_ids if i not in usable]
    if missing:
        raise Invalid("Validation failed: Media attachment %(ids)s not found", ids=", ".join(missing))
    return [found[i] for i in media_ids]


def attach(session: Session, post: Post, media: list[MediaAttachment], *, new_post: bool = False) -> None:
    """Make ``media`` the post's attachments, in order; any others it held are let go
    (they become the author's unattached uploads again). A ``new_post`` holds none yet."""
    keep = {m.id for m in media}
    held: list[MediaAttachment] = (
        [] if new_post else list(session.scalars(select(MediaAttachment).where(MediaAttachment.post_id == post.id)))
    )
    for old in held:
        if old.id not in keep:
            old.post_id = None
    for position, m in enumerate(media):
        m.post_id = post.id
        m.position = position
    session.flush()


def of_post(session: Session, post_id: int) -> list[MediaAttachment]:
    return list(
        session.scalars(
            select(MediaAttachment).where(MediaAttachment.post_id == post_id).order_by(MediaAttachment.position)
        )
    )


@dataclass(frozen=True)
class StoredFile:
    path: Path
    content_type: str
    public: bool = True  # False: only moderators may see it (a removed post's image)


def stored_file(session: Session, settings: Settings, key: str, name: str) -> StoredFile:
    """The file behind a media URL, or ``NotFound`` when its post is deleted. A removed
    post's file comes back with ``public=False``: only moderators, who review the decision,
    may see it."""
    stem, _, extension = name.partition(".")
    if stem not in NAMES or len(key) != 32 or not key.isalnum():
        raise NotFound("Record not found")
    media = session.scalar(select(MediaAttachment).where(MediaAttachment.file_key == key))
    if media is None:
        raise NotFound("Record not found")
    post = session.get(Post, media.post_id) if media.post_id is not None else None
    if media.post_id is not None and (post is None or post.deleted_at is not None):
        raise NotFound("Record not found")
    if stem == "original":
        expected, content_type = media.extension, media.content_type
    else:
        expected = media.small_extension
        content_type = SMALL_TYPES[expected]
    if extension != expected:
        raise NotFound("Record not found")
    path = media_root(settings) / key / name
    if not path.is_file():
        raise NotFound("Record not found")
    return StoredFile(path, content_type, public=post is None or post.removed_at is None)
