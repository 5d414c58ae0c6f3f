"""End-to-end harness: ``parley serve`` runs as a separate process on a free loopback port.

The server is started once per backend for the whole session: on SQLite always, and on
PostgreSQL too when ``PARLEY_TEST_DATABASE_URL`` is set (in a database of its own,
``parley_e2e_<random>``, dropped at the end). Its stderr goes to a file in the temporary
directory; when a test fails, what the server wrote during that test is attached to the
report.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

PG_URL = os.environ.get("PARLEY_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

START_TIMEOUT = 30.0  # seconds for the server to answer /health
STOP_TIMEOUT = 10.0  # seconds for the server to exit after SIGTERM
CLI_TIMEOUT = 60.0  # seconds for one ``parley`` command
START_ATTEMPTS = 3  # a free port can be taken by someone else before the server binds it
HTTP_TIMEOUT = 15.0  # seconds for one HTTP request of a test

_LOG_OFFSET = pytest.StashKey[int]()
_SERVER = pytest.StashKey["ParleyServer"]()


@dataclass(frozen=True)
class User:
    """An account created with ``parley user create``."""

    name: str
    email: str
    password: str


@dataclass
class ParleyServer:
    """A running ``parley serve`` process and how to reach it."""

    backend: str
    base_url: str
    env: dict[str, str]
    workdir: Path
    stderr_path: Path
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, User] = field(default_factory=dict)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``parley ARGS`` against this server's database; fail the test if it fails."""
        result = subprocess.run(
            [sys.executable, "-m", "parley.cli", *args],
            env=self.env,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"parley {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def create_user(self, name: str, role: str = "user") -> User:
        """Create an account with the CLI (works while the server runs); ``role`` is
        "user", "moderator" or "admin"."""
        user = User(name, f"{name}@e2e.example", f"{name}-password-{secrets.token_hex(4)}")
        self.cli("user", "create", name, "--email", user.email, "--password", user.password, "--role", role)
        self.users[name] = user
        return user

    def log_size(self) -> int:
        return self.stderr_path.stat().st_size if self.stderr_path.exists() else 0

    def log_since(self, offset: int = 0) -> str:
        """What the server wrote to stderr after byte ``offset``."""
        if not self.stderr_path.exists():
            return ""
        with self.stderr_path.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def start(self) -> None:
        """Start ``parley serve`` on a free port and wait until ``/health`` answers."""
        last_error = ""
        for _ in range(START_ATTEMPTS):
            port = _free_port()
            self.base_url = f"http://127.0.0.1:{port}"
            self.env["PARLEY_BASE_URL"] = self.base_url
            offset = self.log_size()
            with self.stderr_path.open("ab") as err:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "parley.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=self.env,
                    cwd=self.workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=err,
                    stderr=err,
                )
            if self._wait_healthy():
                return
            self.stop()
            last_error = self.log_since(offset)
        pytest.fail(f"parley serve did not become healthy on {self.backend}:\n{last_error}")

    def _wait_healthy(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    return False
                try:
                    if client.get(f"{self.base_url}/health").status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Terminate the server; kill it if it does not exit in time."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)


# -- a scripted browser -------------------------------------------------------------------


@dataclass
class Form:
    """One HTML form: where it posts, its named fields and its submit buttons."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _PageParser(HTMLParser):
    """Collects the forms of a page and its inputs by id."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.by_id: dict[str, dict[str, str]] = {}
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if tag not in ("input", "button"):
            return
        if "id" in a:
            self.by_id[a["id"]] = a
        if self._form is None or not a.get("name"):
            return
        if tag == "button" or a.get("type") == "submit":
            self._form.buttons.append((a["name"], a.get("value", "")))
        else:
            self._form.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def form_posting_to(html: str, path: str) -> Form:
    """The form of ``html`` whose action is ``path``."""
    forms = [f for f in parse_page(html).forms if urlsplit(f.action).path == path]
    assert len(forms) == 1, f"expected one form posting to {path} in:\n{html}"
    assert forms[0].method == "post"
    return forms[0]


class Browser:
    """An HTTP client that keeps cookies and never follows redirects on its own."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def url(self, location: str) -> str:
        return urljoin(self.base_url + "/", location)

    def get(self, url: str) -> httpx.Response:
        return self.http.get(self.url(url))

    def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        return self.http.post(self.url(url), data=data)

    def sign_in_via(self, authorize_url: str, user: User) -> str:
        """Open the authorize URL signed out, sign in, and return where sign-in sends us."""
        r = self.get(authorize_url)
        for _ in range(3):  # e.g. toot's "/oauth/authorize/?..." is redirected without the slash
            if r.status_code not in (307, 308):
                break
            r = self.get(r.headers["location"])
        assert r.status_code in (302, 303), r.text
        location = r.headers["location"]
        assert urlsplit(location).path == "/auth/sign_in"
        next_url = parse_qs(urlsplit(location).query)["next"][0]
        assert urlsplit(next_url).path == "/oauth/authorize"

        page = self.get(location)
        assert page.status_code == 200
        form = form_posting_to(page.text, "/auth/sign_in")
        assert form.fields.get("csrf_token"), "sign-in form has no CSRF token"
        assert form.fields.get("next") == next_url
        r = self.post(form.action, {**form.fields, "username": user.name, "password": user.password})
        assert r.status_code in (302, 303), r.text
        assert r.headers["location"] == next_url
        return next_url

    def consent(self, url: str, decision: str = "approve") -> httpx.Response:
        """Open the consent page at ``url`` and submit it with ``decision``."""
        page = self.get(url)
        assert page.status_code == 200, page.text
        form = form_posting_to(page.text, "/oauth/authorize")
        assert form.fields.get("csrf_token"), "consent form has no CSRF token"
        assert ("decision", decision) in form.buttons
        return self.post(form.action, {**form.fields, "decision": decision})

    def authorize(self, authorize_url: str, user: User, decision: str = "approve") -> httpx.Response:
        """The whole browser side of the authorization-code flow; returns the last answer."""
        return self.consent(self.sign_in_via(authorize_url, user), decision)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A database of the e2e run's own on the PostgreSQL server, dropped afterwards."""
    from sqlalchemy import create_engine, text

    from parley.store.db import normalise_url

    assert PG_URL is not None
    name = f"parley_e2e_{secrets.token_hex(4)}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield PG_URL.rsplit("/", 1)[0] + "/" + name
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(
        PARLEY_DATA_DIR=str(data_dir),
        PARLEY_DATABASE_URL=f"sqlite:///{data_dir / 'parley.db'}",
        PARLEY_SECRET_KEY=secrets.token_urlsafe(32),
        PARLEY_RATE_LIMITS="false",
        PARLEY_OAUTH_PASSWORD_GRANT="true",
        # Side effects run right after each commit, so the API tests here can read them
        # at once; tests/e2e/test_jobs.py covers the default in-process worker thread.
        PARLEY_JOBS="inline",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def running_server(backend: str, workdir: Path) -> Iterator[ParleyServer]:
    """A migrated Parley instance on ``backend`` served by a real ``parley serve`` process,
    stopped (and its PostgreSQL database dropped) on exit."""
    env = _base_env(workdir / "data")
    with ExitStack() as stack:
        if backend == "postgresql":
            env["PARLEY_DATABASE_URL"] = stack.enter_context(_postgres_database())
            if REDIS_URL:
                env["PARLEY_REDIS_URL"] = REDIS_URL
                env["PARLEY_REDIS_PREFIX"] = f"e2e-{secrets.token_hex(6)}"
        srv = ParleyServer(backend, "", env, workdir, workdir / "server.stderr.log")
        # The server is stopped before the database is dropped (ExitStack unwinds in reverse).
        stack.callback(srv.stop)
        srv.cli("migrate")
        srv.start()
        yield srv


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyServer]:
    """A migrated Parley instance served by a real ``parley serve`` process."""
    backend: str = request.param
    with running_server(backend, tmp_path_factory.mktemp(f"e2e-{backend}")) as srv:
        yield srv


@pytest.fixture
def browser(server: ParleyServer) -> Iterator[Browser]:
    """A fresh scripted browser (no cookies) for ``server``."""
    b = Browser(server.base_url)
    yield b
    b.close()


@pytest.fixture(autouse=True)
def _mark_server_log(request: pytest.FixtureRequest) -> None:
    """Remember where the server log stood when the test started."""
    if "server" in request.fixturenames:
        srv: ParleyServer = request.getfixturevalue("server")
        request.node.stash[_SERVER] = srv
        request.node.stash[_LOG_OFFSET] = srv.log_size()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the server's stderr written during a failed test to its report."""
    report = yield
    srv = item.stash.get(_SERVER, None)
    if report.failed and srv is not None:
        offset = item.stash.get(_LOG_OFFSET, 0)
        log = srv.log_since(offset).strip()
        alive = "running" if srv.process is not None and srv.process.poll() is None else "not running"
        report.sections.append(
            (f"parley serve stderr ({srv.backend}, {alive}, {srv.stderr_path})", log or "(nothing written)")
        )
    return report
