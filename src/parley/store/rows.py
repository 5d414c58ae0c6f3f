"""Posts and accounts as plain rows for the hot read paths (see ``parley.store.raw``).

``PostRow`` and ``AccountRow`` carry the same attribute names as the ORM classes, so the
visibility and serialisation code reads either. They are tuples: cheap to build, and
hashable, so a row can key a memo of what is derived from it alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from parley.store.raw import Statement, dt, rows
from parley.store.tables import Account, Post


class PostRow(NamedTuple):
    id: int
    account_id: int
    text: str
    content_html: str
    spoiler_text: str
    visibility: str
    sensitive: bool
    language: str | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    conversation_id: int | None
    reblog_of_id: int | None
    quote_of_id: int | None
    app_id: int | None
    replies_count: int
    reblogs_count: int
    favourites_count: int
    quotes_count: int
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    removed_at: datetime | None
    notice_rule_id: str | None
    label_text: str | None
    label_url: str | None
    limited: bool

    @classmethod
    def of(cls, r: Any) -> PostRow:
        return cls(
            r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9], r[10], r[11], r[12], r[13],
            r[14], r[15], r[16], r[17], dt(r[18]), dt(r[19]), dt(r[20]),  # type: ignore[arg-type]
            dt(r[21]), r[22], r[23], r[24], bool(r[25]),
        )


class AccountRow(NamedTuple):
    id: int
    username: str
    display_name: str
    note: str
    locked: bool
    bot: bool
    discoverable: bool
    verified: bool
    role: str
    fields_json: str
    followers_count: int
    following_count: int
    statuses_count: int
    last_status_at: datetime | None
    created_at: datetime
    suspended_at: datetime | None

    @classmethod
    def of(cls, r: Any) -> AccountRow:
        return cls(
            r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5]), bool(r[6]), bool(r[7]), r[8], r[9], r[10], r[11],
            r[12], dt(r[13]), dt(r[14]), dt(r[15]),  # type: ignore[arg-type]
        )


_IDS: Any = bindparam("ids", expanding=True)
_POST_COLUMNS = [Post.__table__.c[f] for f in PostRow._fields]
ACCOUNT_COLUMNS = [Account.__table__.c[f] for f in AccountRow._fields]
POSTS_BY_ID = Statement(select(*_POST_COLUMNS).where(Post.id.in_(_IDS)))
ACCOUNTS_BY_ID = Statement(select(*ACCOUNT_COLUMNS).where(Account.id.in_(_IDS)))


def post_rows(session: Session, ids: Iterable[int]) -> dict[int, PostRow]:
    """The posts ``ids`` (deleted ones included) by id, in one query."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {r[0]: PostRow.of(r) for r in rows(session, POSTS_BY_ID, {"ids": wanted})}

