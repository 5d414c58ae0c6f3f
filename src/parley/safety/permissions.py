"""Who may moderate, and what: small pure functions over facts.

Each ``refusal_*`` says why an action is not allowed, or None when it is; ``check_*``
raises ``Forbidden`` with that reason. No database: callers pass the roles and ids.
"""

from __future__ import annotations

from parley.errors import Forbidden

MODERATOR_ROLES = frozenset({"moderator", "admin"})

# Mastodon's answer to a signed-in user who lacks a permission.
NOT_ALLOWED = "This action is not allowed"


def is_moderator(role: str) -> bool:
    """Moderators and admins work the moderation queue; users do not."""
    return role in MODERATOR_ROLES


def refusal_to_moderate(role: str) -> str | None:
    if not is_moderator(role):
        return NOT_ALLOWED
    return None


def refusal_to_handle_case(role: str, moderator_id: int, subject_account_id: int) -> str | None:
    """Whether a moderator may read or act on a case about ``subject_account_id``.

    Nobody handles a case about their own account: they would judge themselves and
    learn who reported them.
    """
    refusal = refusal_to_moderate(role)
    if refusal is not None:
        return refusal
    if moderator_id == subject_account_id:
        return "You cannot handle a case about your own account; another moderator must."
    return None


def refusal_to_assign(assignee_role: str, assignee_id: int, subject_account_id: int) -> str | None:
    """Whether a case about ``subject_account_id`` may be assigned to ``assignee_id``."""
    if not is_moderator(assignee_role):
        return "Cases can only be assigned to moderators."
    if assignee_id == subject_account_id:
        return "A case cannot be assigned to the moderator it is about."
    return None


def check_moderator(role: str) -> None:
    _check(refusal_to_moderate(role))


def check_admin(role: str) -> None:
    """Only admins run the instance: designations, the job queue."""
    if role != "admin":
        raise Forbidden(NOT_ALLOWED)


def check_handle_case(role: str, moderator_id: int, subject_account_id: int) -> None:
    _check(refusal_to_handle_case(role, moderator_id, subject_account_id))


def check_assign(assignee_role: str, assignee_id: int, subject_account_id: int) -> None:
    _check(refusal_to_assign(assignee_role, assignee_id, subject_account_id))


def _check(refusal: str | None) -> None:
    if refusal is not None:
        raise Forbidden(refusal)
