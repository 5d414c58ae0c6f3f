"""The demo seed and the command line, run as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from parley.demo import seed
from parley.services import Services
from parley.store.tables import Account, Appeal, Case, Decision, Follow, MediaAttachment, Post


def test_demo_seeds_the_community_once(services: Services) -> None:
    assert seed(services.db, services.settings, followers=250) is True
    assert seed(services.db, services.settings, followers=250) is False
    with services.db.unit(write=False) as uow:
        s = uow.session
        head = s.scalar(select(Account).where(Account.username_lower == "potus"))
        assert head is not None and head.verified
        real = s.scalar(select(func.count()).select_from(Follow).where(Follow.target_account_id == head.id))
        assert head.followers_count == real and real >= 250
        meeting = s.scalar(select(Post).where(Post.text.like("Great meeting this afternoon%")))
        assert meeting is not None and meeting.account_id == head.id
        for name in ("WhiteHouse", "Jack", "Twitter"):
            assert f'href="{services.settings.base_url}/@{name}"' in meeting.content_html
        assert meeting.replies_count >= 3
        dutch = s.scalar(select(func.count()).select_from(Post).where(Post.language == "nl"))
        assert dutch and dutch >= 3
        # Pictures with descriptions, their files on disk.
        pictures = s.scalars(select(MediaAttachment).where(MediaAttachment.post_id.is_not(None))).all()
        assert len(pictures) == 2 and all(m.description for m in pictures)
        for m in pictures:
            assert (services.settings.data_dir / "media" / m.file_key / f"original.{m.extension}").stat().st_size > 0
        # Moderation to show: decided cases, one still open, one decision appealed.
        assert s.scalar(select(func.count()).select_from(Decision)) == 3
        assert s.scalar(select(func.count()).select_from(Case).where(Case.state == "open")) == 1
        assert s.scalar(select(Appeal.state)) == "pending"
        # 250 followers is below the public-interest threshold: the engine proposed removal.
        looting = s.scalar(select(Post).where(Post.text.like("%the looting starts%")))
        assert looting is not None and looting.removed_at is not None and looting.notice_rule_id is None


def test_the_full_demo_puts_the_head_of_state_behind_the_notice(services: Services) -> None:
    assert seed(services.db, services.settings, followers=100_001) is True
    with services.db.unit(write=False) as uow:
        looting = uow.session.scalar(select(Post).where(Post.text.like("%the looting starts%")))
        assert looting is not None
        assert looting.notice_rule_id == "glorification-of-violence" and looting.removed_at is None


def test_cli_user_and_token(tmp_path: Path) -> None:
    env = {**os.environ, "PARLEY_DATA_DIR": str(tmp_path), "PARLEY_DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}

    def parley(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "parley.cli", *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert parley("migrate").returncode == 0
    made = parley("user", "create", "opsadmin", "--email", "ops@example.org", "--password", "long enough", "--role", "admin")
    assert made.returncode == 0 and "@opsadmin" in made.stdout
    again = parley("user", "create", "OpsAdmin", "--email", "other@example.org", "--password", "long enough")
    assert again.returncode == 2 and "already taken" in again.stderr
    token = parley("token", "create", "opsadmin", "--scopes", "read write")
    assert token.returncode == 0 and len(token.stdout.strip()) > 20 and "\n" not in token.stdout.strip()
    assert parley("token", "create", "nobody").returncode == 2
    assert parley("token", "create", "opsadmin", "--scopes", "read bogus").returncode == 2
    pruned = parley("media", "prune")
    assert pruned.returncode == 0 and "removed 0 image(s)" in pruned.stdout
    assert parley("media", "prune", "--hours", "0").returncode == 2
