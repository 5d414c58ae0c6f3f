"""Writes and lookups of accounts. Functions take a session, never commit."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parley import ids
from parley.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from parley.errors import Conflict, Invalid, NotFound
from parley.store.tables import Account, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROLES = ("user", "moderator", "admin")
VISIBILITIES = ("public", "unlisted", "private", "direct")
MAX_DISPLAY_NAME = 30
MAX_NOTE = 500
MAX_FIELDS = 4


def check_username(username: str) -> str:
    if not USERNAME_RE.match(username or ""):
        raise Invalid("Username must be 1 to 15 letters, digits or underscores")
    return username


def check_email(email: str) -> str:
    email = (email or "").strip()
    if len(email) > 320 or not EMAIL_RE.match(email):
        raise Invalid("Email address is not valid")
    return email


def check_password(password: str) -> str:
    if not (MIN_LENGTH <= len(password or "") <= MAX_LENGTH):
        raise Invalid("Password must be %(min_length)s to %(max_length)s characters long", min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    return password


def check_language_code(code: str) -> str | None:
    """An ISO 639 language code (two or three letters), lower-cased; empty reads as None."""
    code = (code or "").strip().lower()
    if not code:
        return None
    if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        raise Invalid("Language must be an ISO 639 code")
    return code


def create_account(
    session: Session,
    username: str,
    *,
    email: str | None = None,
    password: str | None = None,
    display_name: str = "",
    note: str = "",
    role: str = "user",
    locked: bool = False,
    bot: bool = False,
    verified: bool = False,
    locale: str = "en",
    created_at: datetime | None = None,
) -> Account:
    """Create an account; the username and email must be free (case-insensitively)."""
    check_username(username)
    if role not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}")
    if email is not None:
        email = check_email(email)
    if password is not None:
        check_password(password)
    if find_account(session, username) is not None:
        raise Conflict("Username is already taken")
    if email is not None and session.scalar(
        select(Account.id).where(Account.email_lower == email.lower())
    ):
        raise Conflict("Email address is already in use")
    if len(display_name) > MAX_DISPLAY_NAME:
        raise Invalid("Display name can be at most %(max_display_name)s characters", max_display_name=MAX_DISPLAY_NAME)
    now = created_at or utcnow()
    account = Account(
        id=ids.new_id(created_at),
        username=username,
        username_lower=username.lower(),
        display_name=display_name,
        note=note,
        email=email,
        email_lower=email.lower() if email else None,
        password_hash=hash_password(password) if password else None,
        role=role,
        locked=locked,
        bot=bot,
        verified=verified,
        locale=locale,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    session.flush()
    return account


def find_account(session: Session, username: str) -> Account | None:
    """The local account called ``username`` (case-insensitive, optional leading @ or @domain)."""
    name = username.lstrip("@").split("@", 1)[0].lower()
    if not name:
        return None
    return session.scalar(select(Account).where(Account.username_lower == name))


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Record not found")
    return account


def authenticate(session: Session, login: str, password: str) -> Account | None:
    """The account whose username or email and password match, else None."""
    login = (login or "").strip()
    if "@" in login.lstrip("@"):
        account = session.scalar(select(Account).where(Account.email_lower == login.lower()))
    else:
        account = find_account(session, login)
    if account is None or not verify_password(account.password_hash, password):
        return None
    if account.password_hash and needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return account


def change_password(session: Session, account: Account, current: str, new: str) -> None:
    """Replace the password, after checking the current one: someone at an unattended
    signed-in browser must not be able to lock the owner out."""
    if not verify_password(account.password_hash, current):
        raise Invalid("The current password is not right")
    check_password(new)
    account.password_hash = hash_password(new)
    account.updated_at = utcnow()


@dataclass(frozen=True)
class ProfileChange:
    """Fields of ``PATCH /api/v1/accounts/update_credentials``; None means unchanged."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    fields: list[tuple[str, str]] | None = None
    default_visibility: str | None = None
    default_sensitive: bool | None = None
    default_language: str | None = None
    locale: str | None = None


def update_profile(session: Session, account: Account, change: ProfileChange) -> Account:
    """Apply ``change`` to ``account`` after checking every field."""
    if change.display_name is not None:
        if len(change.display_name) > MAX_DISPLAY_NAME:
            raise Invalid("Display name can be at most %(max_display_name)s characters", max_display_name=MAX_DISPLAY_NAME)
        account.display_name = change.display_name
    if change.note is not None:
        if len(change.note) > MAX_NOTE:
            raise Invalid("Bio can be at most %(max_note)s characters", max_note=MAX_NOTE)
        account.note = change.note
    if change.fields is not None:
        if len(change.fields) > MAX_FIELDS:
            raise Invalid("At most %(max_fields)s profile fields", max_fields=MAX_FIELDS)
        for name, value in change.fields:
            if len(name) > 255 or len(value) > 255:
                raise Invalid("Profile field names and values can be at most 255 characters")
        account.fields_json = json.dumps(
            [{"name": n, "value": v} for n, v in change.fields if n or v]
        )
    if change.default_visibility is not None:
        if change.default_visibility not in ("public", "unlisted", "private"):
            raise Invalid("Default visibility must be public, unlisted or private")
        account.default_visibility = change.default_visibility
    if change.locale is not None:
        if change.locale not in ("en", "nl"):
            raise Invalid("Language must be en or nl")
        account.locale = change.locale
    if change.default_language is not None:
        # An empty value clears the default: posts then carry no language unless given one.
        account.default_language = check_language_code(change.default_language)
    for name in ("locked", "bot", "discoverable", "default_sensitive"):
        value = getattr(change, name)
        if value is not None:
            setattr(account, name, value)
    account.updated_at = utcnow()
    return account


def search_accounts(session: Session, query: str, *, limit: int, offset: int = 0) -> list[Account]:
    """Accounts whose username or display name starts with ``query`` (exact username first)."""
    q = query.strip().lstrip("@").split("@", 1)[0].lower()
    if not q:
        return []
    like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(Account)
        .where(
            (Account.username_lower.like(like, escape="\\"))
            | (func.lower(Account.display_name).like(like, escape="\\"))
        )
        .order_by((Account.username_lower != q), Account.followers_count.desc(), Account.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt))
