"""The browser harness itself: axe-core runs under a strict CSP and reports violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route

from parley.web.security import CSP
from tests.browser.conftest import check_a11y

BAD_PAGE = '<!doctype html><html lang="en"><title>t</title><main><img src="/x.png"><input id="q"></main></html>'


def test_check_a11y_fails_on_serious_violations_under_the_sites_csp(page: Page) -> None:
    def serve(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=BAD_PAGE, headers={"content-security-policy": CSP})

    page.route("**/bad", serve)
    page.goto("/bad")
    with pytest.raises(pytest.fail.Exception) as failure:
        check_a11y(page)
    assert "image-alt (critical)" in str(failure.value)
    assert "label (critical)" in str(failure.value)
