"""Settings pages: profile, preferences, password, authorised apps, signed-in browsers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from parley.accounts.service import get_account
from parley.oauth.apps import issue_token, register_app
from parley.services import Services
from tests.conftest import BASE_URL
from tests.factories import User
from tests.web.conftest import SESSION_COOKIE, submit, web_client

MakeUser = Callable[..., User]
Web = Callable[..., TestClient]


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') : html.index("</main>")]


def me(person: User) -> dict[str, Any]:
    r = person.get("/api/v1/accounts/verify_credentials")
    assert r.status_code == 200, r.text
    return dict(r.json())


def signed_in(browser: TestClient) -> bool:
    r = browser.get("/settings/profile", follow_redirects=False)
    return r.status_code == 200


PROFILE = {
    "display_name": "Alice Archer",
    "note": "Gardener.\r\nGrows tomatoes.",
    "field_0_name": "Site",
    "field_0_value": "https://alice.example",
    "field_1_name": "",
    "field_1_value": "",
    "locked": "1",
    "discoverable": "1",
}


def test_settings_need_signing_in(client: TestClient) -> None:
    for path in ("/settings", "/settings/profile", "/settings/preferences", "/settings/password", "/settings/applications", "/settings/sessions"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/auth/sign_in"), path


def test_the_settings_pages_have_tabs_and_labelled_fields(user: MakeUser, web: Web) -> None:
    browser = web(user("alice"))
    assert browser.get("/settings", follow_redirects=False).headers["location"] == "/settings/profile"
    for path in ("/settings/profile", "/settings/preferences", "/settings/password", "/settings/applications", "/settings/sessions"):
        page = main_of(browser.get(path).text)
        assert page.count("<h1") == 1, path
        assert f'<a href="{path}" aria-current="page">' in page, path
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page):
            assert f'for="{field_id}"' in page, (path, field_id)


def test_a_profile_edit_is_saved(user: MakeUser, web: Web) -> None:
    alice = user("alice")
    browser = web(alice)
    r = submit(browser, "/settings/profile", PROFILE)
    assert r.status_code == 303 and r.headers["location"] == "/settings/profile?done=profile"
    page = browser.get(r.headers["location"]).text
    assert '<p class="flash ok" role="status">Your profile was saved.</p>' in page
    assert 'value="Alice Archer"' in page and "Gardener.\nGrows tomatoes.</textarea>" in page
    data = me(alice)
    assert data["display_name"] == "Alice Archer"
    assert data["source"]["note"] == "Gardener.\nGrows tomatoes."
    assert [(f["name"], f["value"]) for f in data["source"]["fields"]] == [("Site", "https://alice.example")]
    assert data["locked"] is True and data["bot"] is False and data["discoverable"] is True
    assert "Alice Archer" in browser.get("/@alice").text


def test_a_too_long_display_name_is_refused_and_the_form_kept(user: MakeUser, web: Web) -> None:
    alice = user("alice", display_name="Before")
    browser = web(alice)
    r = submit(browser, "/settings/profile", {**PROFILE, "display_name": "x" * 31})
    assert r.status_code == 422
    page = main_of(r.text)
    assert 'role="alert"' in page and "Display name can be at most 30 characters" in page
    assert f'value="{"x" * 31}"' in page and "Gardener.\nGrows tomatoes.</textarea>" in page
    assert 'value="https://alice.example"' in page and 'name="locked" value="1" checked' in page
    # Nothing of a refused change is stored, not even the fields checked before the bad one.
    r = submit(browser, "/settings/profile", {**PROFILE, "note": "n" * 501})
    assert r.status_code == 422 and "Bio can be at most 500 characters" in r.text
    assert 'value="Alice Archer"' in r.text
    data = me(alice)
    assert data["display_name"] == "Before" and data["source"]["note"] == "" and data["locked"] is False
    assert data["source"]["fields"] == []


def test_preferences_are_saved(user: MakeUser, web: Web) -> None:
    alice = user("alice")
    browser = web(alice)
    page = browser.get("/settings/preferences").text
    assert 'name="locale" value="nl"' in main_of(page)
    form = {"locale": "nl", "default_visibility": "unlisted", "default_sensitive": "1", "default_language": "fr"}
    r = submit(browser, "/settings/preferences", form)
    assert r.status_code == 303 and "parley_lang=nl" in r.headers.get("set-cookie", "")
    page = browser.get(r.headers["location"]).text
    assert '<html lang="nl">' in page and 'class="flash ok" role="status"' in page
    source = me(alice)["source"]
    assert source["privacy"] == "unlisted" and source["sensitive"] is True and source["language"] == "fr"
    assert alice.status("bonjour")["language"] == "fr"
    # Clearing the language of posts.
    submit(browser, "/settings/preferences", {**form, "locale": "en", "default_language": ""})
    assert me(alice)["source"]["language"] == ""
    # A language not offered, or a visibility that does not exist: refused, values kept.
    r = submit(browser, "/settings/preferences", {**form, "default_language": "xx"})
    assert r.status_code == 422 and "Choose one of the languages offered." in r.text
    r = submit(browser, "/settings/preferences", {**form, "default_visibility": "direct"})
    assert r.status_code == 422 and 'value="fr" selected' in r.text


def test_a_wrong_current_password_is_refused(user: MakeUser, web: Web, app: Any) -> None:
    alice = user("alice")
    browser = web(alice)
    r = submit(browser, "/settings/password", {"current_password": "wrong horse", "password": "new battery staple", "password_confirmation": "new battery staple"})
    assert r.status_code == 422 and "The current password is not right" in r.text
    r = submit(browser, "/settings/password", {"current_password": "correct horse", "password": "new battery staple", "password_confirmation": "other"})
    assert r.status_code == 422 and "The new passwords do not match." in r.text
    r = submit(browser, "/settings/password", {"current_password": "correct horse", "password": "short", "password_confirmation": "short"})
    assert r.status_code == 422 and "Password must be 8 to 128 characters long" in r.text
    # The old password still works.
    web_client(app, alice).close()


def test_a_password_change_signs_out_other_browsers_and_keeps_tokens(user: MakeUser, web: Web, app: Any) -> None:
    alice = user("alice")
    here, there = web(alice), web(alice)
    r = submit(here, "/settings/password", {"current_password": "correct horse", "password": "new battery staple", "password_confirmation": "new battery staple"})
    assert r.status_code == 303
    assert "Your password was changed." in here.get(r.headers["location"]).text
    assert signed_in(here) and not signed_in(there)
    assert me(alice)["username"] == "alice"  # the API token still works
    web_client(app, alice, "new battery staple").close()
    with TestClient(app, base_url=BASE_URL) as stranger:
        refused = submit(stranger, "/auth/sign_in", {"username": "alice", "password": "correct horse"})
        assert refused.status_code == 401


def test_revoking_an_app_makes_its_token_fail(services: Services, client: TestClient, user: MakeUser, web: Web) -> None:
    alice = user("alice")
    with services.db.unit() as uow:
        account = get_account(uow.session, int(alice.id))
        registered = register_app(uow.session, name="Tusky", redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read write", website="https://tusky.example")
        app_token = issue_token(uow.session, account=account, app=registered.app, scope="read write")
        app_id = registered.app.id
    headers = {"Authorization": f"Bearer {app_token}"}
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200

    browser = web(alice)
    page = main_of(browser.get("/settings/applications").text)
    assert "Tusky" in page and "<code>read</code>" in page and "<code>write</code>" in page
    assert "Personal access tokens" in page  # the test user's own token
    r = submit(browser, "/settings/applications/revoke", {"app": str(app_id)})
    assert r.status_code == 303
    page = browser.get(r.headers["location"]).text
    assert "The app&#39;s access was revoked" in page and "Tusky" not in main_of(page)
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 401
    assert me(alice)["username"] == "alice"  # other tokens are untouched
    # An app without tokens of this person (again, or someone else's): not found.
    assert submit(browser, "/settings/applications/revoke", {"app": str(app_id)}).status_code == 404
    assert submit(browser, "/settings/applications/revoke", {"app": "junk"}).status_code == 404

    submit(browser, "/settings/applications/revoke", {"app": "personal"})
    assert alice.get("/api/v1/accounts/verify_credentials").status_code == 401
    assert "No app has access to your account." in browser.get("/settings/applications").text


def test_signed_in_browsers_are_listed_and_signed_out(user: MakeUser, web: Web) -> None:
    alice, bob = user("alice"), user("bob")
    here, there, third = web(alice), web(alice), web(alice)
    page = main_of(here.get("/settings/sessions").text)
    assert page.count("<tr>") == 4 and "This browser" in page  # a header row and three browsers
    ids = re.findall(r'action="/settings/sessions/(\d+)/end"', page)
    assert len(ids) == 2
    # Another person's session is not found.
    assert submit(web(bob), f"/settings/sessions/{ids[0]}/end").status_code == 404
    r = submit(here, f"/settings/sessions/{ids[0]}/end")
    assert r.status_code == 303
    assert "That browser was signed out." in here.get(r.headers["location"]).text
    assert signed_in(here) and [signed_in(there), signed_in(third)].count(True) == 1

    r = submit(here, "/settings/sessions/others/end")
    assert r.status_code == 303 and r.headers["location"] == "/settings/sessions?done=others&n=1"
    assert "Signed out 1 other browser." in here.get(r.headers["location"]).text
    assert signed_in(here) and not signed_in(there) and not signed_in(third)
    assert here.cookies.get(SESSION_COOKIE)
