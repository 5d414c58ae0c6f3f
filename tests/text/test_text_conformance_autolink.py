"""twitter-text conformance: auto-linking (``autolink.yml``).

Like upstream's Ruby runner, the HTML is compared structurally: element names, text
and attributes must match, but attribute order and quoting style may differ. Every
call passes ``suppress_no_follow=True``, as the runner does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest

from parley.text import (
    autolink,
    autolink_cashtags,
    autolink_hashtags,
    autolink_urls,
    autolink_usernames_and_lists,
    autolink_with_json,
)

Case = dict[str, Any]
Token = tuple[Any, ...]


class _HtmlTokens(HTMLParser):
    """Flatten HTML into (kind, name, sorted attributes) / (text) tokens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[Token] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("start", tag, tuple(sorted(attrs))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if self.tokens and self.tokens[-1][0] == "text":
            self.tokens[-1] = ("text", self.tokens[-1][1] + data)
        else:
            self.tokens.append(("text", data))


def html_tokens(html: str) -> list[Token]:
    """Parse ``html`` into a token list that ignores attribute order and quoting."""
    parser = _HtmlTokens()
    parser.feed(html)
    parser.close()
    return parser.tokens


def assert_same_html(actual: str, expected: str) -> None:
    """Assert two HTML strings are equal up to attribute order and quoting."""
    assert html_tokens(actual) == html_tokens(expected), (
        f"\n  actual: {actual}\nexpected: {expected}"
    )


def _run(function: Callable[..., str], case: Case) -> None:
    assert_same_html(function(case["text"], suppress_no_follow=True), case["expected"])


@pytest.mark.conformance("autolink.yml", "usernames", "lists")
def test_usernames_and_lists(case: Case) -> None:
    _run(autolink_usernames_and_lists, case)


@pytest.mark.conformance("autolink.yml", "hashtags")
def test_hashtags(case: Case) -> None:
    _run(autolink_hashtags, case)


@pytest.mark.conformance("autolink.yml", "urls")
def test_urls(case: Case) -> None:
    _run(autolink_urls, case)


@pytest.mark.conformance("autolink.yml", "cashtags")
def test_cashtags(case: Case) -> None:
    _run(autolink_cashtags, case)


@pytest.mark.conformance("autolink.yml", "all")
def test_all(case: Case) -> None:
    _run(autolink, case)


@pytest.mark.conformance("autolink.yml", "json")
def test_json(case: Case) -> None:
    html = autolink_with_json(case["text"], json.loads(case["json"]), suppress_no_follow=True)
    assert_same_html(html, case["expected"])


def test_html_comparison_ignores_attribute_order_and_quotes() -> None:
    assert_same_html("<a class='x' href=\"y\">t</a>", '<a href="y" class="x">t</a>')
    with pytest.raises(AssertionError):
        assert_same_html('<a href="y">t</a>', '<a href="z">t</a>')
