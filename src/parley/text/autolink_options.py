"""Options of the ``autolink*`` functions, with twitter-text's defaults.

The option names follow twitter-text's Ruby ``Autolink`` (snake_case). See
:mod:`parley.text.autolink` for what each option does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypedDict

DEFAULT_LIST_CLASS = "tweet-url list-slug"
DEFAULT_USERNAME_CLASS = "tweet-url username"
DEFAULT_HASHTAG_CLASS = "tweet-url hashtag"
DEFAULT_CASHTAG_CLASS = "tweet-url cashtag"
DEFAULT_USERNAME_URL_BASE = "https://twitter.com/"
DEFAULT_LIST_URL_BASE = "https://twitter.com/"
DEFAULT_HASHTAG_URL_BASE = "https://twitter.com/search?q=%23"
DEFAULT_CASHTAG_URL_BASE = "https://twitter.com/search?q=%24"
DEFAULT_INVISIBLE_TAG_ATTRS = "style='position:absolute;left:-9999px;'"

AttributeValue = str | bool | Sequence[str] | None
EntityMapping = Mapping[str, Any]


class AutolinkOptions(TypedDict, total=False):
    """Keyword options accepted by the ``autolink*`` functions (see module docstring)."""

    url_class: str | None
    list_class: str
    username_class: str
    hashtag_class: str
    cashtag_class: str
    username_url_base: str
    list_url_base: str
    hashtag_url_base: str
    cashtag_url_base: str
    username_url_block: Callable[[str], str] | None
    list_url_block: Callable[[str], str] | None
    hashtag_url_block: Callable[[str], str] | None
    cashtag_url_block: Callable[[str], str] | None
    link_url_block: Callable[[str], str] | None
    username_include_symbol: bool
    suppress_lists: bool
    suppress_no_follow: bool
    url_target: str | None
    target_blank: bool
    html_attrs: Mapping[str, AttributeValue]
    link_attribute_block: Callable[[EntityMapping, dict[str, AttributeValue]], None] | None
    link_text_block: Callable[[EntityMapping, str], str] | None
    symbol_tag: str | None
    text_with_symbol_tag: str | None
    url_entities: Iterable[EntityMapping] | None
    invisible_tag_attrs: str
    html_escape_non_entities: bool


@dataclass(frozen=True)
class AutolinkSettings:
    """Resolved autolink options with upstream defaults."""

    url_class: str | None = None
    list_class: str = DEFAULT_LIST_CLASS
    username_class: str = DEFAULT_USERNAME_CLASS
    hashtag_class: str = DEFAULT_HASHTAG_CLASS
    cashtag_class: str = DEFAULT_CASHTAG_CLASS
    username_url_base: str = DEFAULT_USERNAME_URL_BASE
    list_url_base: str = DEFAULT_LIST_URL_BASE
    hashtag_url_base: str = DEFAULT_HASHTAG_URL_BASE
    cashtag_url_base: str = DEFAULT_CASHTAG_URL_BASE
    username_url_block: Callable[[str], str] | None = None
    list_url_block: Callable[[str], str] | None = None
    hashtag_url_block: Callable[[str], str] | None = None
    cashtag_url_block: Callable[[str], str] | None = None
    link_url_block: Callable[[str], str] | None = None
    username_include_symbol: bool = False
    suppress_lists: bool = False
    suppress_no_follow: bool = False
    url_target: str | None = None
    target_blank: bool = False
    html_attrs: Mapping[str, AttributeValue] = field(default_factory=dict)
    link_attribute_block: Callable[[EntityMapping, dict[str, AttributeValue]], None] | None = None
    link_text_block: Callable[[EntityMapping, str], str] | None = None
    symbol_tag: str | None = None
    text_with_symbol_tag: str | None = None
    url_entities: Iterable[EntityMapping] | None = None
    invisible_tag_attrs: str = DEFAULT_INVISIBLE_TAG_ATTRS
    html_escape_non_entities: bool = False

    def common_attrs(self) -> dict[str, AttributeValue]:
        """Attributes shared by every link: ``html_attrs`` plus rel/target defaults."""
        attrs = dict(self.html_attrs)
        if not self.suppress_no_follow:
            attrs.setdefault("rel", "nofollow")
        if self.target_blank:
            attrs["target"] = "_blank"
        return attrs

    def url_entity_map(self) -> dict[str, EntityMapping]:
        """Index ``url_entities`` by their ``url``."""
        return {entity["url"]: entity for entity in self.url_entities or () if "url" in entity}


_OPTION_NAMES = frozenset(f.name for f in fields(AutolinkSettings))


def resolve_options(options: Mapping[str, Any]) -> AutolinkSettings:
    """Validate keyword options and merge them with the defaults."""
    unknown = set(options) - _OPTION_NAMES
    if unknown:
        raise TypeError(f"unknown autolink option(s): {', '.join(sorted(unknown))}")
    return AutolinkSettings(**options)
