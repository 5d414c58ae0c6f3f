"""Full-text index of posts behind one interface: SQLite FTS5 or PostgreSQL tsvector + GIN.

Only public, undeleted, original posts are indexed; the visibility function still has the
last word on what a viewer is shown.
"""

from __future__ import annotations

import re

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from parley.store.tables import Post, Tag

_WORD = re.compile(r"\w+", re.UNICODE)
# The configuration 'simple' stems nothing: the same for English, Dutch and every language.
_PG_CONFIG = "simple"


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def index_post(session: Session, post: Post) -> None:
    """Put ``post`` in the index, or take it out if it should not be searchable."""
    unindex_post(session, post.id)
    if post.deleted_at is not None or post.reblog_of_id is not None or post.visibility != "public":
        return
    document = f"{post.spoiler_text}\n{post.text}"
    if _sqlite(session):
        session.execute(
            text("INSERT INTO post_fts(rowid, text) VALUES (:id, :doc)"), {"id": post.id, "doc": document}
        )
    else:
        session.execute(
            text(
                "INSERT INTO post_search(post_id, document) "
                f"VALUES (:id, to_tsvector('{_PG_CONFIG}', :doc))"
            ),
            {"id": post.id, "doc": document},
        )


def unindex_post(session: Session, post_id: int) -> None:
    if _sqlite(session):
        session.execute(text("DELETE FROM post_fts WHERE rowid = :id"), {"id": post_id})
    else:
        session.execute(text("DELETE FROM post_search WHERE post_id = :id"), {"id": post_id})


def terms(query: str) -> list[str]:
    """The words of a query, lower-cased; punctuation and operators are dropped."""
    return [w.lower() for w in _WORD.findall(query)][:20]


def search_post_ids(
    session: Session,
    query: str,
    *,
    limit: int,
    offset: int = 0,
    max_id: int | None = None,
    min_id: int | None = None,
    account_id: int | None = None,
) -> list[int]:
    """Ids of posts matching every word of ``query`` (prefix match on the last), newest first."""
    words = terms(query)
    if not words:
        return []
    params: dict[str, object] = {"limit": limit, "offset": offset}
    extra = ""
    if max_id is not None:
        extra += " AND p.id < :max_id"
        params["max_id"] = max_id
    if min_id is not None:
        extra += " AND p.id > :min_id"
        params["min_id"] = min_id
    if account_id is not None:
        extra += " AND p.account_id = :account_id"
        params["account_id"] = account_id
    if _sqlite(session):
        # Each word quoted so FTS5 syntax in the input is inert; the last one as a prefix.
        match = " ".join(f'"{w}"' for w in words[:-1])
        match = (match + " " if match else "") + f'"{words[-1]}"*'
        params["q"] = match
        sql = (
            "SELECT p.id FROM post_fts f JOIN posts p ON p.id = f.rowid "
            f"WHERE post_fts MATCH :q AND p.deleted_at IS NULL{extra} "
            "ORDER BY p.id DESC LIMIT :limit OFFSET :offset"
        )
    else:
        tsquery = " & ".join(f"{w}:*" if i == len(words) - 1 else w for i, w in enumerate(words))
        params["q"] = tsquery
        sql = (
            "SELECT p.id FROM post_search s JOIN posts p ON p.id = s.post_id "
            f"WHERE s.document @@ to_tsquery('{_PG_CONFIG}', :q) AND p.deleted_at IS NULL{extra} "
            "ORDER BY p.id DESC LIMIT :limit OFFSET :offset"
        )
    return [row[0] for row in session.execute(text(sql), params)]


def search_tags(session: Session, query: str, *, limit: int, offset: int = 0) -> list[Tag]:
    """Hashtags whose name starts with ``query`` (a leading # is ignored)."""
    name = query.strip().lstrip("#").lower()
    if not name:
        return []
    like = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(Tag)
        .where(Tag.name_lower.like(like, escape="\\"))
        .order_by(Tag.name_lower)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt))
