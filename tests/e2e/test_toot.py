"""toot, the Mastodon command-line client, against a real ``parley serve``."""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import Browser, parse_page

if TYPE_CHECKING:
    from .conftest import ParleyServer

TOOT_TIMEOUT = 60.0  # seconds for one toot command


def _toot_command() -> list[str]:
    """The venv's ``toot`` script, or ``python -m toot`` when there is none."""
    script = Path(sys.executable).with_name("toot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "toot"]


@dataclass
class Toot:
    """Runs toot with a configuration directory of its own."""

    home: Path
    env: dict[str, str]

    @property
    def config(self) -> dict[str, Any]:
        return json.loads((self.home / "config" / "toot" / "config.json").read_text())

    def command(self, *args: str) -> list[str]:
        return [*_toot_command(), "--no-color", "--max-width", "200", *args]

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``toot ARGS`` with no input; by default fail the test unless it succeeds."""
        result = subprocess.run(
            self.command(*args),
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TOOT_TIMEOUT,
            check=False,
        )
        if ok and result.returncode != 0:
            pytest.fail(f"toot {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result


@pytest.fixture
def toot(tmp_path: Path) -> Toot:
    """toot with a fresh HOME and XDG directories, so it never sees a real configuration."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "TOOT_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        COLUMNS="200",
        PYTHONUNBUFFERED="1",
    )
    return Toot(home, env)


def test_login_cli_post_and_timeline(server: ParleyServer, toot: Toot) -> None:
    """login_cli (password grant), post, then read the post back on the home timeline."""
    user = server.create_user("tootcli")
    r = toot.run("login_cli", "--instance", server.base_url, "--email", user.email, "--password", user.password)
    assert "Successfully logged in" in r.stdout
    config = toot.config
    domain = urlsplit(server.base_url).netloc
    assert config["active_user"] == f"{user.name}@{domain}"
    assert config["apps"][domain]["base_url"] == server.base_url

    assert f"@{user.name}" in toot.run("whoami").stdout

    text = f"hello from toot {secrets.token_hex(4)}"
    r = toot.run("post", text)
    assert "Toot posted" in r.stdout

    assert text in toot.run("timelines", "home", "--no-pager", "--no-clear").stdout
    assert text in toot.run("timeline", "--once").stdout
    statuses = json.loads(toot.run("timelines", "home", "--json", "--no-pager", "--no-clear").stdout)
    assert text in statuses[0]["content"]
    assert statuses[0]["account"]["username"] == user.name


def test_login_cli_wrong_password(server: ParleyServer, toot: Toot) -> None:
    """A wrong password fails the login and stores no account."""
    user = server.create_user("tootbad")
    r = toot.run("login_cli", "--instance", server.base_url, "--email", user.email, "--password", "wrong-password", ok=False)
    assert r.returncode != 0
    assert "Login failed" in r.stdout + r.stderr
    assert not toot.config["users"]


def _read_lines(stream: Any, out: queue.Queue[str | None]) -> None:
    """Copy lines of ``stream`` to ``out``, then None at the end."""
    for line in iter(stream.readline, ""):
        out.put(line)
    out.put(None)


def test_browser_login_with_out_of_band_code(server: ParleyServer, toot: Toot, browser: Browser) -> None:
    """``toot login`` prints an authorize URL and asks for the code the oob page shows."""
    user = server.create_user("tootweb")
    output: list[str] = []
    with subprocess.Popen(
        toot.command("login", "--instance", server.base_url),
        env=toot.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stdin is not None
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True)
        reader.start()
        try:
            url = None
            deadline = time.monotonic() + TOOT_TIMEOUT
            while url is None:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                assert line is not None, "toot login ended before printing a URL:\n" + "".join(output)
                output.append(line)
                if line.startswith(server.base_url):
                    url = line.strip()
            assert parse_qs(urlsplit(url).query)["redirect_uri"] == ["urn:ietf:wg:oauth:2.0:oob"]

            approved = browser.authorize(url, user)
            assert approved.status_code == 200, approved.text
            code = parse_page(approved.text).by_id["code"]["value"]

            proc.stdin.write(f"n\n{code}\n")
            proc.stdin.close()
            proc.wait(timeout=TOOT_TIMEOUT)
            reader.join(timeout=TOOT_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=TOOT_TIMEOUT)
        while not lines.empty() and (line := lines.get_nowait()) is not None:
            output.append(line)
    assert proc.returncode == 0, "".join(output)
    assert "Successfully logged in" in "".join(output)

    assert f"@{user.name}" in toot.run("whoami").stdout
    text = f"posted after a browser login {secrets.token_hex(4)}"
    toot.run("post", text)
    assert text in toot.run("timelines", "home", "--no-pager", "--no-clear").stdout
