"""Designating accounts of public officials and candidates (the public-interest policy).

Only admins designate. A designation alone does not make an account a public-interest
account: it must also be verified and have more followers than the threshold
(``parley.safety.policy.is_public_interest_account``). Every change is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley import ids
from parley.errors import Invalid, NotFound
from parley.safety.permissions import check_admin, check_moderator
from parley.safety.policy import AccountFacts, is_public_interest_account
from parley.store.tables import Account, DesignationEvent, PublicOffice, utcnow

MAX_TEXT = 200


def _require_admin(actor: Account | None) -> None:
    if actor is not None:  # None: the operator's CLI
        check_admin(actor.role)


def designate(
    session: Session,
    actor: Account | None,
    account: Account,
    *,
    role: str,
    jurisdiction: str,
    verified: bool | None = None,
) -> PublicOffice:
    """Designate ``account`` (or update its designation). ``actor`` None: the operator's CLI."""
    _require_admin(actor)
    role, jurisdiction = role.strip(), jurisdiction.strip()
    if not role:
        raise Invalid("Give the public office the account holds or seeks: role")
    if not jurisdiction:
        raise Invalid("Give the jurisdiction of the office: jurisdiction")
    if len(role) > MAX_TEXT or len(jurisdiction) > MAX_TEXT:
        raise Invalid("Role and jurisdiction are at most %(max_text)s characters", max_text=MAX_TEXT)
    now = utcnow()
    office = session.get(PublicOffice, account.id)
    action = "update" if office is not None else "designate"
    if office is None:
        office = PublicOffice(account_id=account.id, since=now, created_at=now)
        session.add(office)
    office.role = role
    office.jurisdiction = jurisdiction
    office.designated_by_id = actor.id if actor is not None else None
    if verified is not None:
        account.verified = verified
    session.add(
        DesignationEvent(
            id=ids.new_id(), account_id=account.id, action=action, role=role, jurisdiction=jurisdiction,
            actor_id=actor.id if actor is not None else None, created_at=now,
        )
    )
    session.flush()
    return office


def designation_of(session: Session, account_id: int) -> tuple[PublicOffice | None, list[DesignationEvent]]:
    """The account's designation (if any) and the log of its designations, oldest first."""
    events = session.scalars(
        select(DesignationEvent).where(DesignationEvent.account_id == account_id).order_by(DesignationEvent.id)
    )
    return session.get(PublicOffice, account_id), list(events)


def undesignate(session: Session, actor: Account | None, account: Account) -> None:
    _require_admin(actor)
    office = session.get(PublicOffice, account.id)
    if office is None:
        raise NotFound("This account holds no designated public office")
    session.delete(office)
    session.add(
        DesignationEvent(
            id=ids.new_id(), account_id=account.id, action="remove", role=office.role,
            jurisdiction=office.jurisdiction, actor_id=actor.id if actor is not None else None, created_at=utcnow(),
        )
    )
    session.flush()



@dataclass(frozen=True)
class Designation:
    office: PublicOffice
    account: Account
    public_interest_account: bool  # also verified and followed widely enough


def designations(session: Session, moderator: Account, min_followers: int) -> list[Designation]:
    """Every designated account, most recently designated first (moderators read them;
    only admins change them)."""
    check_moderator(moderator.role)
    stmt = select(PublicOffice, Account).join(Account, Account.id == PublicOffice.account_id).order_by(PublicOffice.since.desc())
    out: list[Designation] = []
    for office, account in session.execute(stmt):
        facts = AccountFacts(verified=account.verified, followers_count=account.followers_count, public_office=True)
        out.append(Designation(office, account, is_public_interest_account(facts, min_followers)))
    return out
