"""Browser harness: Debian's Chromium driven by Playwright against a real ``parley serve``.

One server (SQLite) and one browser serve the whole session; each test gets fresh browser
contexts, so no cookies leak between tests. ``make test`` installs Chromium (apt) and
axe-core (npm, into ``.venv/npm``); Playwright's own browser downloads are not used.

Helpers for tests: ``check_a11y(page)`` fails on serious or critical axe-core violations,
``screenshot(page, name)`` saves a full-page PNG to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.e2e.conftest import (
    ParleyServer,
    _mark_server_log,  # noqa: F401  (re-used: attaches the server log to failures)
    pytest_runtest_makereport,  # noqa: F401
    running_server,
)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")
TIMEOUT_MS = 10_000  # for one Playwright action or navigation

Device = Literal["desktop", "phone"]
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}
# Sent as Accept-Language, which picks the page language of a visitor without an account.
LOCALES = {"en": "en-GB", "nl": "nl-NL"}

NewPage = Callable[..., Page]

DEMO_PASSWORD = "parley-demo"
DEMO_FOLLOWERS = 300


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyServer]:
    """A migrated Parley instance on SQLite, served by a real ``parley serve`` process."""
    with running_server("sqlite", tmp_path_factory.mktemp("browser")) as srv:
        yield srv


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium (``make test`` installs it)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, or `apt-get install chromium`", pytrace=False)
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
    yield b
    b.close()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyServer]:
    """A second instance with the demo community of ``parley demo`` (password
    ``DEMO_PASSWORD``). The head of state gets a few hundred followers instead of 120,000,
    and the public-interest threshold is lowered to match, so the demo's cases read as they
    would at full size while the seeding stays quick."""
    with running_server("sqlite", tmp_path_factory.mktemp("demo")) as srv:
        srv.stop()
        srv.env["PARLEY_PUBLIC_INTEREST_MIN_FOLLOWERS"] = str(DEMO_FOLLOWERS // 2)
        srv.cli("demo", "--followers", str(DEMO_FOLLOWERS))
        srv.cli("jobs", "run")  # the demo's notifications and fan-out (this server runs none in the background)
        srv.start()
        yield srv


@contextmanager
def _pages(browser: Browser, base_url: str) -> Iterator[NewPage]:
    contexts: list[BrowserContext] = []

    def make(device: Device = "desktop", language: str = "en") -> Page:
        context = browser.new_context(base_url=base_url, locale=LOCALES[language], **DEVICES[device])
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def new_page(browser: Browser, server: ParleyServer) -> Iterator[NewPage]:
    """``new_page(device="desktop", language="en") -> Page``: a page in a fresh context
    (no cookies) whose relative URLs go to ``server``. Contexts close after the test."""
    with _pages(browser, server.base_url) as make:
        yield make


@pytest.fixture
def new_demo_page(browser: Browser, demo_server: ParleyServer) -> Iterator[NewPage]:
    """Like ``new_page``, for ``demo_server``."""
    with _pages(browser, demo_server.base_url) as make:
        yield make


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A desktop page in English, in a fresh context."""
    return new_page()


@functools.cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make test` (it installs axe-core with npm)", pytrace=False)
    return AXE_JS.read_text(encoding="utf-8")


def check_a11y(page: Page, ignore: tuple[str, ...] = ()) -> None:
    """Run axe-core on the page as it is now; fail listing every serious or critical violation
    (but those of the axe rules named in ``ignore``).

    The script is evaluated over the DevTools protocol, which the page's Content-Security-
    Policy does not govern, so the page is tested with its real CSP in force.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }"""
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS and v["id"] not in ignore]
    if blocking:
        lines = [f"axe-core: {len(blocking)} serious/critical violation(s) on {page.url}"]
        for v in blocking:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"]:
                lines.append(f"    {json.dumps(node['target'])}: {node['summary']}".replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as ``test-artifacts/screenshots/<name>.png`` and return its path;
    ``name`` reads page-device-language, e.g. ``home-phone-nl``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def sign_in(page: Page, login: str, password: str) -> None:
    """Sign in through the sign-in form (in whatever language the page is) and wait for
    the home timeline."""
    page.goto("/auth/sign_in")
    form = page.locator('form[action="/auth/sign_in"]')
    form.locator('input[name="username"]').fill(login)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/home$"))


def choose_language(page: Page, language: str) -> None:
    """Pick ``language`` with the switcher in the top bar, unless the page is in it already
    (signed in, the choice is stored on the account)."""
    if page.locator("html").get_attribute("lang") != language:
        page.locator(f'.topbar .language button[value="{language}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", language)
