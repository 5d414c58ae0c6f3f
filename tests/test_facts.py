"""What a page of posts is judged and shown with (``parley.posts.access.load_facts``):
the same facts whether the posts are asked by id (on PostgreSQL: posts, authors,
relations and flags in one pipeline, by subqueries) or given, on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from starlette.testclient import TestClient

from parley.posts.access import Facts, load_facts, visible_by_ids
from parley.services import Services
from parley.store.raw import InSelect
from parley.store.rows import post_rows
from parley.store.tables import Account, Post, utcnow
from parley.visibility import Context
from tests.factories import User, make_user


def _summary(f: Facts) -> dict[str, Any]:
    rel = f.rel
    return {
        "posts": sorted(f.posts),
        "authors": sorted(f.authors),
        "suspended": sorted(a.id for a in f.authors.values() if a.suspended_at is not None),
        "following": sorted(rel.following),
        "followed_by": sorted(rel.followed_by),
        "blocking": sorted(rel.blocking),
        "blocked_by": sorted(rel.blocked_by),
        "muting": sorted(rel.muting),
        "requested": sorted(rel.requested),
        "favourited": sorted(f.flags.favourited),
        "reblogged": sorted(f.flags.reblogged),
        "bookmarked": sorted(f.flags.bookmarked),
        "pinned": sorted(f.flags.pinned),
        "mentioned": sorted(f.flags.mentioned),
        "covered": sorted(f.flags.covered),
    }


def _world(services: Services, client: TestClient) -> tuple[User, dict[str, User], dict[str, int]]:
    me = make_user(services, client, "me")
    u = {n: make_user(services, client, n) for n in ("friend", "fan", "blocked", "blocker", "muted", "locked", "other")}
    locked = u["locked"]
    assert locked.patch("/api/v1/accounts/update_credentials", data={"locked": "true"}).status_code == 200
    me.post(f"/api/v1/accounts/{u['friend'].id}/follow")
    u["fan"].post(f"/api/v1/accounts/{me.id}/follow")
    me.post(f"/api/v1/accounts/{locked.id}/follow")  # a request: the account is locked
    posts = {
        "friend": int(u["friend"].status("hello")["id"]),
        "mention": int(u["other"].status("@me hi", visibility="direct")["id"]),
        "fan": int(u["fan"].status("fan post")["id"]),
        "blocked": int(u["blocked"].status("soon blocked")["id"]),
        "blocker": int(u["blocker"].status("soon blocking")["id"]),
        "muted": int(u["muted"].status("soon muted")["id"]),
        "locked": int(locked.status("locked post")["id"]),
        "mine": int(me.status("my own")["id"]),
    }
    original = int(u["other"].status("an original")["id"])
    posts["repost"] = int(u["friend"].post(f"/api/v1/statuses/{original}/reblog").json()["id"])
    posts["original"] = original
    me.post(f"/api/v1/statuses/{posts['friend']}/favourite")
    me.post(f"/api/v1/statuses/{posts['fan']}/bookmark")
    me.post(f"/api/v1/statuses/{posts['mine']}/pin")
    me.post(f"/api/v1/statuses/{original}/reblog")
    me.post(f"/api/v1/accounts/{u['blocked'].id}/block")
    u["blocker"].post(f"/api/v1/accounts/{me.id}/block")
    me.post(f"/api/v1/accounts/{u['muted'].id}/mute")
    return me, u, posts


def test_facts_asked_by_id_equal_facts_of_given_posts(services: Services, client: TestClient) -> None:
    me, u, posts = _world(services, client)
    asked = [p for name, p in posts.items() if name != "original"]  # the repost brings it
    with services.db.unit(write=False) as uow:
        by_id = load_facts(uow.session, int(me.id), asked)
        given = load_facts(uow.session, int(me.id), asked, known=post_rows(uow.session, asked))
        anonymous = load_facts(uow.session, None, asked)
    got = _summary(by_id)
    assert got == _summary(given)
    ids = {n: int(x.id) for n, x in u.items()}
    assert got["posts"] == sorted(posts.values())  # the repost's original came along
    assert got["authors"] == sorted({*ids.values(), int(me.id)})  # everyone posted
    assert got["following"] == [ids["friend"]]
    assert got["followed_by"] == [ids["fan"]]
    assert got["requested"] == [ids["locked"]]
    assert got["blocking"] == [ids["blocked"]]
    assert got["blocked_by"] == [ids["blocker"]]
    assert got["muting"] == [ids["muted"]]
    assert got["favourited"] == [posts["friend"]]
    assert got["bookmarked"] == [posts["fan"]]
    assert got["pinned"] == [posts["mine"]]
    assert got["reblogged"] == [posts["original"]]
    assert got["mentioned"] == [posts["mention"]]
    assert got["covered"] == sorted(posts.values())
    # Nobody signed in: the posts and their authors, no relations and no flags.
    anon = _summary(anonymous)
    assert anon["posts"] == got["posts"] and anon["authors"] == got["authors"]
    assert not any(anon[k] for k in ("following", "blocking", "favourited", "mentioned", "covered"))


def test_a_suspended_author_comes_with_the_facts_and_hides_the_post(services: Services, client: TestClient) -> None:
    me = make_user(services, client, "me")
    author = make_user(services, client, "author")
    post_id = int(author.status("soon gone")["id"])
    with services.db.unit() as uow:
        uow.session.get(Account, int(author.id)).suspended_at = utcnow()  # type: ignore[union-attr]
    with services.db.unit(write=False) as uow:
        facts = load_facts(uow.session, int(me.id), [post_id])
        assert facts.authors[int(author.id)].suspended_at is not None
        assert visible_by_ids(uow.session, int(me.id), [post_id], Context.HOME) == []


def test_post_authors_by_subquery_are_an_array_on_postgresql_and_in_on_sqlite() -> None:
    stmt = select(Account.id).where(InSelect(Account.id, select(Post.account_id).where(Post.id == 1)))
    pg = str(stmt.compile(dialect=postgresql.psycopg.dialect()))
    lite = str(stmt.compile(dialect=sqlite.dialect()))
    assert "accounts.id = ANY(ARRAY(SELECT posts.account_id" in pg
    assert "accounts.id IN (SELECT posts.account_id" in lite
    assert "= 1" not in lite.split("WHERE", 1)[1].replace("posts.id = ?", "")  # no boolean "= 1" on SQLite


def test_facts_of_posts_that_do_not_exist_are_empty(services: Services, client: TestClient) -> None:
    me = make_user(services, client, "me")
    with services.db.unit(write=False) as uow:
        for viewer in (int(me.id), None):
            facts = load_facts(uow.session, viewer, [123456789, 987654321])
            assert facts.posts == {} and facts.authors == {}
            assert visible_by_ids(uow.session, viewer, [123456789], Context.HOME) == []
