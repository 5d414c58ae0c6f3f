"""twitter-text conformance: hit highlighting (``hit_highlighting.yml``), exact output."""

from __future__ import annotations

from typing import Any

import pytest

from parley.text import hit_highlight


@pytest.mark.conformance("hit_highlighting.yml", "plain_text", "with_links")
def test_hit_highlighting(case: dict[str, Any]) -> None:
    assert hit_highlight(case["text"], case["hits"]) == case["expected"]


def test_custom_tag() -> None:
    assert (
        hit_highlight("test hit here", [[5, 8]], tag="strong") == "test <strong>hit</strong> here"
    )


def test_hit_running_off_the_end_is_closed() -> None:
    assert hit_highlight("abc", [[1, 10]]) == "a<em>bc</em>"


def test_no_hits_returns_text_unchanged() -> None:
    assert hit_highlight("a <b>c</b>", None) == "a <b>c</b>"
