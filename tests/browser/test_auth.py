"""Signing up and signing in with a real browser; accessibility and screenshots of the
pages involved and of the transparency report."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewPage, check_a11y, screenshot
from tests.e2e.conftest import ParleyServer

PASSWORD = "correct horse battery"


def _fresh_name() -> str:
    return f"b_{secrets.token_hex(5)}"


def _fill_sign_up(page: Page, name: str, password: str, again: str) -> None:
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@browser.example")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(again)
    page.get_by_role("button", name="Sign up").click()


def _sign_in(page: Page, login: str, password: str) -> None:
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _expect_signed_in(page: Page, server: ParleyServer, name: str) -> None:
    # Sign-in goes to "/", which sends a signed-in person on to their home timeline.
    expect(page).to_have_url(f"{server.base_url}/home")
    # On a phone the profile link is behind "More": this checks the markup.
    profile = page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile", include_hidden=True)
    expect(profile.first).to_have_attribute("href", f"/@{name}")
    # Phones hide the sidebar's "who am I" box, so this checks the markup, not visibility.
    expect(page.locator(".whoami")).to_contain_text(f"Signed in as @{name}")
    # One sign-out button shows: in the sidebar on a desktop, in the top bar on a phone.
    expect(page.get_by_role("button", name="Sign out")).to_have_count(1)
    expect(page.get_by_role("link", name="Create account", include_hidden=True)).to_have_count(0)


@pytest.mark.parametrize(("device", "language"), [("desktop", "en"), ("phone", "en"), ("phone", "nl")])
def test_sign_up_page(new_page: NewPage, device: str, language: str) -> None:
    page = new_page(device, language)
    page.goto("/auth/sign_up")

    # The browser's Accept-Language chooses the page language.
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(f'.language button[value="{language}"]')).to_have_attribute("aria-pressed", "true")
    for field in ("username", "email", "password", "password_confirmation"):
        expect(page.locator(f'form[action="/auth/sign_up"] input[name="{field}"]')).to_be_visible()
    check_a11y(page)
    screenshot(page, f"sign-up-{device}-{language}")


def test_signing_up_signs_the_new_person_in(page: Page, server: ParleyServer) -> None:
    name = _fresh_name()
    page.goto("/auth/sign_up")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")

    _fill_sign_up(page, name, PASSWORD, PASSWORD)
    _expect_signed_in(page, server, name)

    # Signed out, the new account signs in again with its email and the password it chose.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server.base_url}/")
    page.goto("/auth/sign_in")
    _sign_in(page, f"{name}@browser.example", PASSWORD)
    _expect_signed_in(page, server, name)


def test_sign_up_with_mismatched_passwords_keeps_the_form(page: Page) -> None:
    name = _fresh_name()
    page.goto("/auth/sign_up")
    _fill_sign_up(page, name, PASSWORD, "correct horse staple")

    expect(page.get_by_role("alert")).to_have_text("The passwords do not match.")
    expect(page.get_by_label("Username")).to_have_value(name)
    expect(page.locator(".whoami").get_by_role("link", name="Create account")).to_be_visible()
    check_a11y(page)


def test_sign_in_with_an_account_made_by_the_cli(new_page: NewPage, server: ParleyServer) -> None:
    user = server.create_user(_fresh_name())
    page = new_page("phone")
    page.goto("/auth/sign_in")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in to")

    _sign_in(page, user.name, "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username or email")).to_have_value(user.name)
    check_a11y(page)
    screenshot(page, "sign-in-error-phone-en")

    _sign_in(page, user.name, user.password)
    _expect_signed_in(page, server, user.name)


@pytest.mark.parametrize(("device", "language"), [("desktop", "en"), ("phone", "nl")])
def test_transparency_page(new_page: NewPage, device: str, language: str) -> None:
    page = new_page(device, language)
    page.goto("/transparency")

    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator('form[action="/transparency"] input[name="from"]')).to_be_visible()
    check_a11y(page)
    screenshot(page, f"transparency-{device}-{language}")
