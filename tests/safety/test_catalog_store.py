"""Loading the catalog into the database: idempotent, versioned, retiring, and the
``parley rules load`` command."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from parley.cli import main
from parley.demo import seed
from parley.errors import Invalid, NotFound
from parley.safety.catalog import SHIPPED as SHIPPED_FILE
from parley.safety.catalog import (
    CatalogRule,
    LoadSummary,
    current_rules,
    get_rule,
    load_catalog,
    published_rules,
    shipped_catalog,
)
from parley.services import Services
from parley.store.tables import Rule

SHIPPED = shipped_catalog()
IDS = tuple(rule.id for rule in SHIPPED)


def load(services: Services, rules: tuple[CatalogRule, ...] | list[CatalogRule]) -> LoadSummary:
    with services.db.unit() as uow:
        return load_catalog(uow.session, rules)


def snapshot(services: Services) -> list[tuple]:
    with services.db.unit(write=False) as uow:
        rows = uow.session.scalars(select(Rule).order_by(Rule.rule_id, Rule.version))
        return [
            (r.id, r.rule_id, r.version, r.position, r.current, r.content_hash, r.created_at, r.retired_at)
            for r in rows
        ]


def changed(rule_id: str, **kw: object) -> list[CatalogRule]:
    """The shipped catalog with one rule replaced."""
    return [replace(rule, **kw) if rule.id == rule_id else rule for rule in SHIPPED]


THREATS_V2 = {"version": 2, "title": {"en": "Threats of violence", "nl": "Dreigen met geweld"}}


def test_first_load_adds_every_rule(services: Services) -> None:
    summary = load(services, SHIPPED)
    assert summary.added == IDS
    assert summary.new_versions == summary.unchanged == summary.retired == ()
    assert summary.changed
    assert summary.describe().splitlines()[0] == f"rules: {len(IDS)} added, 0 new versions, 0 unchanged, 0 retired"
    with services.db.unit(write=False) as uow:
        assert current_rules(uow.session) == list(SHIPPED)
        assert published_rules(uow.session) == list(SHIPPED)
        row = uow.session.scalar(select(Rule).where(Rule.rule_id == "hateful-conduct"))
        assert row is not None and row.current and row.version == 1 and len(row.content_hash) == 64
        assert row.translations_json == (
            '{"nl": {"description": "' + SHIPPED[IDS.index("hateful-conduct")].description["nl"]
            + '", "title": "Haatdragend gedrag"}}'
        )


def test_loading_the_same_file_twice_changes_nothing(services: Services) -> None:
    load(services, SHIPPED)
    before = snapshot(services)
    summary = load(services, SHIPPED)
    assert summary.unchanged == IDS and not summary.changed
    assert summary.describe() == f"rules: 0 added, 0 new versions, {len(IDS)} unchanged, 0 retired"
    assert snapshot(services) == before


def test_a_changed_rule_gets_a_new_version_and_the_old_one_stays(services: Services) -> None:
    load(services, SHIPPED)
    summary = load(services, changed("violent-threats", **THREATS_V2))
    assert summary.new_versions == ("violent-threats v2",)
    assert len(summary.unchanged) == len(IDS) - 1
    assert "  new version: violent-threats v2" in summary.describe()
    with services.db.unit(write=False) as uow:
        s = uow.session
        assert get_rule(s, "violent-threats").title["en"] == "Threats of violence"
        assert get_rule(s, "violent-threats").version == 2
        old = get_rule(s, "violent-threats", 1)
        assert old.title == {"en": "Violent threats", "nl": "Gewelddadige bedreigingen"}
        rows = s.scalars(select(Rule).where(Rule.rule_id == "violent-threats").order_by(Rule.version)).all()
        assert [(r.version, r.current) for r in rows] == [(1, False), (2, True)]
        assert rows[0].retired_at is None
        # the catalog keeps its order
        assert [r.id for r in current_rules(s)] == list(IDS)
    # and loading the new file again changes nothing
    assert not load(services, changed("violent-threats", **THREATS_V2)).changed


def test_a_version_may_jump(services: Services) -> None:
    load(services, SHIPPED)
    summary = load(services, changed("impersonation", version=5, severity=4))
    assert summary.new_versions == ("impersonation v5",)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (changed("violent-threats", title={"en": "Threats", "nl": "Dreigementen"}),
         "rule violent-threats changed but its version was not raised: the file says 1, version 1 is stored"),
        (changed("violent-threats", version=2),
         "rule violent-threats is unchanged since version 1 but the file says version 2"),
    ],
)
def test_version_mistakes_are_refused_and_nothing_is_written(
    services: Services, rules: list[CatalogRule], message: str
) -> None:
    load(services, SHIPPED)
    before = snapshot(services)
    with pytest.raises(Invalid) as raised:
        load(services, rules)
    assert message in raised.value.message
    assert snapshot(services) == before


def test_going_back_to_an_old_text_needs_a_new_version(services: Services) -> None:
    load(services, SHIPPED)
    load(services, changed("violent-threats", **THREATS_V2))
    with pytest.raises(Invalid, match="not raised: the file says 1, version 2 is stored"):
        load(services, SHIPPED)
    summary = load(services, changed("violent-threats", version=3))
    assert summary.new_versions == ("violent-threats v3",)
    with services.db.unit(write=False) as uow:
        assert get_rule(uow.session, "violent-threats").title["en"] == "Violent threats"


def test_all_mistakes_are_reported_together(services: Services) -> None:
    load(services, SHIPPED)
    rules = [replace(rule, severity=1) for rule in SHIPPED[:2]] + list(SHIPPED[2:])
    with pytest.raises(Invalid) as raised:
        load(services, rules)
    assert raised.value.message.count("was not raised") == 2


def test_a_rule_left_out_is_retired_not_deleted(services: Services) -> None:
    load(services, SHIPPED)
    without = [rule for rule in SHIPPED if rule.id != "impersonation"]
    summary = load(services, without)
    assert summary.retired == ("impersonation",)
    assert "  retired: impersonation" in summary.describe()
    with services.db.unit(write=False) as uow:
        s = uow.session
        assert "impersonation" not in [r.id for r in published_rules(s)]
        with pytest.raises(NotFound, match="There is no rule impersonation"):
            get_rule(s, "impersonation")
        assert get_rule(s, "impersonation", 1).version == 1  # old decisions still find it
        row = s.scalar(select(Rule).where(Rule.rule_id == "impersonation"))
        assert row is not None and not row.current and row.retired_at is not None
    # loading the shorter file again changes nothing
    assert not load(services, without).changed
    # bringing it back unchanged restores it
    summary = load(services, SHIPPED)
    assert summary.restored == ("impersonation",)
    assert summary.describe().splitlines()[0].endswith(", 1 restored")
    with services.db.unit(write=False) as uow:
        assert get_rule(uow.session, "impersonation").version == 1
        assert uow.session.scalar(select(func.count()).select_from(Rule)) == len(IDS)


def test_a_retired_rule_may_come_back_changed(services: Services) -> None:
    load(services, SHIPPED)
    load(services, [rule for rule in SHIPPED if rule.id != "impersonation"])
    summary = load(services, changed("impersonation", version=2, severity=2))
    assert summary.new_versions == ("impersonation v2",)
    with services.db.unit(write=False) as uow:
        assert get_rule(uow.session, "impersonation").severity == 2


def test_reordering_is_not_a_new_version(services: Services) -> None:
    load(services, SHIPPED)
    reordered = list(reversed(SHIPPED))
    summary = load(services, reordered)
    assert summary.unchanged == tuple(reversed(IDS)) and not summary.changed
    with services.db.unit(write=False) as uow:
        assert [r.id for r in current_rules(uow.session)] == list(reversed(IDS))


def test_published_rules_before_any_load_and_after_retiring_everything(services: Services) -> None:
    with services.db.unit(write=False) as uow:
        assert current_rules(uow.session) == []
        assert published_rules(uow.session) == list(SHIPPED)  # the shipped file
    summary = load(services, [])
    assert summary.retired == () and not summary.changed
    load(services, SHIPPED)
    assert load(services, []).retired == tuple(sorted(IDS))
    with services.db.unit(write=False) as uow:
        assert published_rules(uow.session) == []


def test_old_versions_are_stored_with_their_time(services: Services) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    with services.db.unit() as uow:
        load_catalog(uow.session, SHIPPED, now=when)
    with services.db.unit(write=False) as uow:
        times = set(uow.session.scalars(select(Rule.created_at)))
    assert times == {when}


def test_the_demo_loads_the_rules(services: Services) -> None:
    assert seed(services.db, services.settings, followers=0) is True
    with services.db.unit(write=False) as uow:
        assert [r.id for r in current_rules(uow.session)] == list(IDS)


def test_the_demo_keeps_an_operators_catalog(services: Services) -> None:
    load(services, changed("violent-threats", **THREATS_V2))
    assert seed(services.db, services.settings, followers=0) is True
    with services.db.unit(write=False) as uow:
        assert get_rule(uow.session, "violent-threats").version == 2


# --- the command ----------------------------------------------------------------------------


def test_cli_rules_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PARLEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PARLEY_DATABASE_URL", f"sqlite:///{tmp_path}/p.db")

    def parley(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    assert parley("migrate")[0] == 0
    code, out, _ = parley("rules", "load")
    assert code == 0 and out.startswith(f"rules: {len(IDS)} added, 0 new versions, 0 unchanged, 0 retired")
    code, out, _ = parley("rules", "load")
    assert (code, out) == (0, f"rules: 0 added, 0 new versions, {len(IDS)} unchanged, 0 retired\n")

    text = SHIPPED_FILE.read_text("utf-8")
    custom = tmp_path / "custom.toml"
    custom.write_text(
        text.replace('id = "violent-threats"\nversion = 1', 'id = "violent-threats"\nversion = 2').replace(
            'title.en = "Violent threats"', 'title.en = "Threats of violence"'
        ),
        "utf-8",
    )
    code, out, _ = parley("rules", "load", "--file", str(custom))
    assert code == 0
    assert out.splitlines() == [
        f"rules: 0 added, 1 new versions, {len(IDS) - 1} unchanged, 0 retired",
        "  new version: violent-threats v2",
    ]

    # a changed rule whose version was not raised: refused, exit code 2, nothing written
    custom.write_text(text.replace('title.en = "Impersonation"', 'title.en = "Pretending"'), "utf-8")
    code, out, err = parley("rules", "load", "--file", str(custom))
    assert (code, out) == (2, "")
    assert err.startswith("parley: ") and "rule impersonation changed but its version was not raised" in err

    # a broken file names the problem
    custom.write_text(text.replace('group = "privacy"', 'group = "secrets"', 1), "utf-8")
    code, _, err = parley("rules", "load", "--file", str(custom))
    assert code == 2 and "(private-information): group must be one of" in err
    code, _, err = parley("rules", "load", "--file", str(tmp_path / "nowhere.toml"))
    assert code == 2 and "cannot read" in err

    # rules left out of the file are retired
    head = text.split('\n[[rules]]\nid = "abuse-harassment"', 1)[0]
    custom.write_text(head.replace('id = "violent-threats"\nversion = 1', 'id = "violent-threats"\nversion = 2').replace(
        'title.en = "Violent threats"', 'title.en = "Threats of violence"'), "utf-8")
    code, out, _ = parley("rules", "load", "--file", str(custom))
    assert code == 0 and out.startswith(f"rules: 0 added, 0 new versions, 4 unchanged, {len(IDS) - 4} retired")
