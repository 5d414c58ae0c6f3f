"""The public transparency pages: they render without a session or JavaScript, carry their
charts as inline SVG with titles, escape what people wrote, and name no private person."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from starlette.testclient import TestClient

from parley import ids
from parley.store.tables import Decision
from parley.transparency.charts import bar_chart, share_chart
from tests.factories import User
from tests.transparency import test_report
from tests.transparency.test_statements import decide, report_case

known = test_report.known  # the decisions counted by hand


def _page(client: TestClient, path: str, status: int = 200) -> str:
    r = client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    # Public pages set no session, only the form token of the language switcher.
    assert "parley_session" not in r.headers.get("set-cookie", "")
    assert "<script>" not in r.text and "<script " not in r.text.replace('<script src="/static/', "")
    return r.text


def test_the_report_page(world: dict[str, Any], known: dict[str, Any]) -> None:
    html = _page(world["client"], "/transparency")
    assert "<h1>Transparency report</h1>" in html
    assert html.count("<svg") == 4
    assert '<title id="chart-rules-title">Decisions per rule</title>' in html
    assert 'role="img"' in html and "<desc id=" in html
    assert "<caption>Decisions per rule</caption>" in html
    assert "Hateful conduct" in html and "Moderators&#39; own initiative" in html
    assert "<dt>Decisions</dt><dd>6</dd>" in html  # the old decision too: no period given
    assert "3.0 hours (over 4 decisions)" in html
    assert 'href="/api/parley/v1/transparency/report"' in html
    assert "anna" not in html


def test_the_report_page_for_a_period_and_a_bad_date(world: dict[str, Any], known: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    html = _page(client, "/transparency?from=2025-01-01&to=2025-01-01")
    assert "<dt>Decisions</dt><dd>1</dd>" in html and 'value="2025-01-01"' in html
    assert 'href="/api/parley/v1/transparency/report?from=2025-01-01&amp;to=2025-01-01"' in html
    html = _page(client, "/transparency?from=%3Cscript%3E", 400)
    assert "from must be a date" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_an_empty_report_page(world: dict[str, Any]) -> None:
    html = _page(world["client"], "/transparency")
    assert "No data for this period." in html and "No decisions in this period." in html


def test_a_private_persons_decision_page(world: dict[str, Any], known: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    html = _page(client, f"/transparency/decisions/{known['d1']}")
    assert f"parley-decision-{known['d1']}" in html
    assert "A private person, named here only by a pseudonym" in html
    assert re.search(r"<code>acct-[0-9a-f]{20}</code>", html)
    assert "anna" not in html and "Hateful words" not in html
    assert "DECISION_VISIBILITY_CONTENT_REMOVED" in html and "<caption>Fields of the EU Digital Services Act" in html
    # Its entry in the log, with a proof that checks out, and how to check it.
    assert "Its inclusion proof checks out" in html and "Leaf index" in html
    assert 'href="/transparency/verify"' in html


def test_a_public_interest_decision_page_names_the_account(world: dict[str, Any], known: dict[str, Any]) -> None:
    html = _page(world["client"], f"/transparency/decisions/{known['d5']}")
    assert "@Premier@parley.test" in html and "Prime Minister" in html
    assert "Hateful words from the top" in html
    assert "Public-interest notice" in html


def test_a_reversal_page_links_what_it_reverses(world: dict[str, Any], known: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    statements = client.get("/api/parley/v1/transparency/statements", params={"limit": 100}).json()
    reversal = next(s for s in statements if s["parley"]["reverses"])
    html = _page(client, f"/transparency/decisions/{reversal['parley']['decision_id']}")
    assert f'href="/transparency/decisions/{known["d2"]}"' in html
    assert "Reversal of decision" in html


def test_unknown_decisions_are_not_found(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    assert "<h1>Not found</h1>" in _page(client, "/transparency/decisions/123", 404)
    _page(client, "/transparency/decisions/nonsense", 404)


def test_the_decisions_list_pages(world: dict[str, Any], known: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    html = _page(client, "/transparency/decisions")
    assert html.count('<tr>\n      <td>') == 7  # six decisions and a reversal
    assert "@Premier@parley.test" in html and "anna" not in html
    assert "Older decisions" not in html
    html = _page(client, f"/transparency/decisions?max_id={known['d1']}")
    assert html.count('<tr>\n      <td>') == 1  # the old one


def test_the_notices_page(world: dict[str, Any], known: dict[str, Any]) -> None:
    html = _page(world["client"], "/transparency/notices")
    assert "<caption>Notices in force now, newest decision first</caption>" in html
    assert "@Premier@parley.test" in html and "Hateful words from the top" in html
    assert f'href="/transparency/decisions/{known["d5"]}"' in html


def test_text_is_escaped(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    leader: User = world["make"]("Leader")
    r = world["admin"].put(
        f"/api/parley/v1/accounts/{leader.id}/public_office",
        json={"role": "<b>Mayor</b>", "jurisdiction": "Town", "verified": True},
    )
    assert r.status_code == 200
    post = leader.status("<script>alert(1)</script> hateful")
    case_id = report_case(world["make"]("someone"), leader, post["id"], "hateful-conduct", world["mod1"])
    decision = decide(world["mod1"], case_id, rule_id="hateful-conduct", actions=["remove"], status_id=post["id"], reasons="<img src=x onerror=alert(1)>")
    html = _page(client, f"/transparency/decisions/{decision['id']}")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>Mayor</b>" not in html and "&lt;b&gt;Mayor&lt;/b&gt;" in html


def test_the_verify_page(world: dict[str, Any]) -> None:
    html = _page(world["client"], "/transparency/verify")
    assert "parley transparency verify --url http://parley.test --state" in html
    assert "/api/parley/v1/transparency/ct/v1/get-sth" in html


def test_charts_escape_and_describe_themselves() -> None:
    svg = bar_chart("x<y", "A & B", [("<rule>", 3), ("other", 0)])
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="x-y-title x-y-desc"')
    assert "<title id=\"x-y-title\">A &amp; B</title>" in svg
    assert "&lt;rule&gt;: 3; other: 0" in svg and "<rule>" not in svg
    assert svg.count("<rect") == 2
    share = share_chart("auto", "Automated", 1, 4, "Automated", "People")
    assert "Automated: 1 of 4 (25%); People: 3 (75%)" in share
    assert "No data" in share_chart("auto", "Automated", 0, 0, "a", "b")


def test_the_page_shows_the_statement_as_logged(world: dict[str, Any], known: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    leader: User = known["leader"]
    posts = leader.get(f"/api/v1/accounts/{leader.id}/statuses").json()
    assert leader.delete(f"/api/v1/statuses/{posts[0]['id']}").status_code == 200
    live = client.get(f"/api/parley/v1/transparency/statements/{known['d5']}").json()
    assert live["parley"]["post"]["text"] is None  # deleted: no longer published
    html = _page(client, f"/transparency/decisions/{known['d5']}")
    assert "Hateful words from the top" in html  # the log keeps what was published then
    assert "What Parley would publish today differs" in html
    assert "get-proof-by-hash?hash=" in html and "tree_size=" in html


def test_a_decision_without_a_log_entry(world: dict[str, Any]) -> None:
    services = world["services"]
    author: User = world["make"]("author")
    with services.db.unit() as uow:
        decision = Decision(
            id=ids.new_id(), account_id=int(author.id), rule_id="hateful-conduct", rule_version=1,
            actions_json='["warn"]', reasons="From before the log.", created_at=datetime(2024, 5, 1, tzinfo=UTC),
        )  # fmt: skip
        uow.session.add(decision)
        decision_id = decision.id
    html = _page(world["client"], f"/transparency/decisions/{decision_id}")
    assert "it was taken before the log was started" in html
    assert "DECISION_VISIBILITY_OTHER" in html
