"""HTML auto-linking of mentions, lists, hashtags, cashtags and URLs.

A port of twitter-text's Ruby ``Autolink`` module. As upstream, only the generated
links are HTML-escaped (link text and attribute values); the text between entities is
copied verbatim unless ``html_escape_non_entities=True`` (the JS option) is passed.
Links get ``rel="nofollow"`` unless ``suppress_no_follow=True``.

Options (keyword arguments, all optional; unknown names raise :class:`TypeError`):

``url_class``, ``list_class``, ``username_class``, ``hashtag_class``, ``cashtag_class``
    CSS classes (URLs get no class by default).
``username_url_base``, ``list_url_base``, ``hashtag_url_base``, ``cashtag_url_base``
    ``href`` prefixes; the name, ``user/list``, hashtag or cashtag text is appended.
``username_url_block``, ``list_url_block``, ``hashtag_url_block``, ``cashtag_url_block``,
``link_url_block``
    Callables building the ``href`` from that text instead (``link_url_block`` gets the URL).
``username_include_symbol``
    Put the ``@`` inside the link (it is outside by default).
``suppress_lists``
    Link ``@user/list`` as a plain ``@user`` mention.
``suppress_no_follow``
    Do not add ``rel="nofollow"``.
``url_target`` / ``target_blank``
    ``target`` for URL links / ``target="_blank"`` on every link.
``html_attrs``
    Extra attributes for every link (a ``None`` value drops the attribute).
``link_attribute_block(entity, attributes)``
    Called to edit each link's attribute dict in place.
``link_text_block(entity, text)``
    Returns the (HTML) text to place inside each link.
``symbol_tag`` / ``text_with_symbol_tag``
    Wrap the ``@``/``#``/``$`` symbol, or the text after it, in this tag.
``url_entities``
    Twitter API URL entities (``url``, ``display_url``, ``expanded_url``) used to
    display t.co links.
``invisible_tag_attrs``
    Attributes of the invisible ``<span>`` elements used for t.co display URLs.
``html_escape_non_entities``
    Escape the text outside links too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Unpack

from . import regexes as rx
from .autolink_options import (
    AttributeValue,
    AutolinkOptions,
    AutolinkSettings,
    EntityMapping,
    resolve_options,
)
from .extract import (
    extract_cashtags_with_indices,
    extract_entities_with_indices,
    extract_hashtags_with_indices,
    extract_mentions_or_lists_with_indices,
    extract_urls_with_indices,
)

_HTML_ESCAPES = str.maketrans({"&": "&amp;", ">": "&gt;", "<": "&lt;", '"': "&quot;", "'": "&#39;"})
_BOOLEAN_ATTRIBUTES = frozenset({"disabled", "readonly", "multiple", "checked"})


def html_escape(text: str) -> str:
    """Escape ``& < > " '`` exactly as twitter-text does (``'`` becomes ``&#39;``)."""
    return text.translate(_HTML_ESCAPES)


def _tag_attrs(attributes: Mapping[str, AttributeValue]) -> str:
    """Render attributes in insertion order, skipping None values."""
    rendered: list[str] = []
    for key, value in attributes.items():
        if key in _BOOLEAN_ATTRIBUTES:
            value = key if value else None
        if value is None or value is False:
            continue
        if value is True:
            value = key
        elif not isinstance(value, str):
            value = " ".join(str(item) for item in value if item is not None)
        rendered.append(f' {html_escape(key)}="{html_escape(value)}"')
    return "".join(rendered)


def _ordered(
    first: Mapping[str, AttributeValue], rest: Mapping[str, AttributeValue]
) -> dict[str, AttributeValue]:
    """Merge attributes: keys of ``first`` come first, values from ``rest`` win."""
    merged: dict[str, AttributeValue] = {key: rest.get(key, value) for key, value in first.items()}
    for key, value in rest.items():
        merged.setdefault(key, value)
    return merged


class _Renderer:
    """Turns entities into ``<a>`` tags for one autolink call."""

    def __init__(self, text: str, settings: AutolinkSettings) -> None:
        self.text = text
        self.settings = settings
        self.base_attrs = settings.common_attrs()
        self.url_entities = settings.url_entity_map()

    def link_to_text(
        self, entity: EntityMapping, text: str, attrs: dict[str, AttributeValue]
    ) -> str:
        """Build the ``<a>`` element, applying the attribute and text callbacks."""
        if self.settings.link_attribute_block is not None:
            self.settings.link_attribute_block(entity, attrs)
        if self.settings.link_text_block is not None:
            text = self.settings.link_text_block(entity, text)
        return f"<a{_tag_attrs(attrs)}>{text}</a>"

    def link_to_text_with_symbol(
        self, entity: EntityMapping, symbol: str, text: str, attrs: dict[str, AttributeValue]
    ) -> str:
        """Link ``symbol`` + ``text``; an ``@`` stays outside unless configured otherwise."""
        s = self.settings
        tagged_symbol = f"<{s.symbol_tag}>{symbol}</{s.symbol_tag}>" if s.symbol_tag else symbol
        escaped = html_escape(text)
        tagged_text = (
            f"<{s.text_with_symbol_tag}>{escaped}</{s.text_with_symbol_tag}>"
            if s.text_with_symbol_tag
            else escaped
        )
        if s.username_include_symbol or not rx.AT_SIGN.fullmatch(symbol):
            return self.link_to_text(entity, tagged_symbol + tagged_text, attrs)
        return tagged_symbol + self.link_to_text(entity, tagged_text, attrs)

    def mention(self, entity: EntityMapping) -> str:
        """Render a ``@user`` or ``@user/list`` entity."""
        s = self.settings
        start, end = entity["indices"]
        screen_name = entity["screen_name"]
        list_slug = entity.get("list_slug") or ""
        at = self.text[start]
        suffix = ""
        if list_slug and not s.suppress_lists:
            name = screen_name + list_slug
            href = s.list_url_block(name) if s.list_url_block else s.list_url_base + name
            css_class = s.list_class
        else:
            name = screen_name
            if list_slug:  # suppressed: the slug stays as plain text after the link
                suffix = html_escape(list_slug)
            href = (
                s.username_url_block(name) if s.username_url_block else s.username_url_base + name
            )
            css_class = s.username_class
        attrs = _ordered({"class": css_class, "href": href}, self.base_attrs)
        attrs["href"] = href
        return self.link_to_text_with_symbol(entity, at, name, attrs) + suffix

    def hashtag(self, entity: EntityMapping) -> str:
        """Render a ``#hashtag`` entity (keeps a full-width hash sign as written)."""
        s = self.settings
        hashtag = entity["hashtag"]
        symbol = self.text[entity["indices"][0]]
        href = s.hashtag_url_block(hashtag) if s.hashtag_url_block else s.hashtag_url_base + hashtag
        css_class = s.hashtag_class + (" rtl" if rx.RTL_CHARS.search(hashtag) else "")
        attrs = _ordered(
            {"href": href, "title": "#" + hashtag, "class": css_class}, self.base_attrs
        )
        attrs["href"] = href
        return self.link_to_text_with_symbol(entity, symbol, hashtag, attrs)

    def cashtag(self, entity: EntityMapping) -> str:
        """Render a ``$CASHTAG`` entity."""
        s = self.settings
        cashtag = entity["cashtag"]
        symbol = self.text[entity["indices"][0]]
        href = s.cashtag_url_block(cashtag) if s.cashtag_url_block else s.cashtag_url_base + cashtag
        attrs = _ordered(
            {"href": href, "title": "$" + cashtag, "class": s.cashtag_class}, self.base_attrs
        )
        attrs["href"] = href
        return self.link_to_text_with_symbol(entity, symbol, cashtag, attrs)

    def url(self, entity: EntityMapping) -> str:
        """Render a URL entity, using its display/expanded URL when known."""
        s = self.settings
        url = entity["url"]
        href = s.link_url_block(url) if s.link_url_block else url
        attrs: dict[str, AttributeValue] = {"href": href}
        display = self.url_entities.get(url, entity)
        if display.get("display_url") and display.get("expanded_url"):
            attrs["title"] = self.base_attrs.get("title", display["expanded_url"])
            link_text = self.display_url_html(display["display_url"], display["expanded_url"])
        elif display.get("display_url"):
            link_text = html_escape(display["display_url"])
        else:
            link_text = html_escape(url)
        if s.url_class is not None:
            attrs["class"] = s.url_class
        if s.url_target is not None:
            attrs["target"] = s.url_target
        for key, value in self.base_attrs.items():
            attrs.setdefault(key, value)
        return self.link_to_text(entity, link_text, attrs)

    def display_url_html(self, display_url: str, expanded_url: str) -> str:
        """Show ``display_url`` while keeping the full ``expanded_url`` copyable."""
        sans_ellipses = display_url.replace("\u2026", "")
        position = expanded_url.find(sans_ellipses)
        if position < 0:
            return html_escape(display_url)
        before = expanded_url[:position]
        after = expanded_url[position + len(sans_ellipses) :]
        preceding = "\u2026" if display_url.startswith("\u2026") else ""
        following = "\u2026" if display_url.endswith("\u2026") else ""
        invisible = f"<span {self.settings.invisible_tag_attrs}>"
        return (
            f"<span class='tco-ellipsis'>{preceding}{invisible}&nbsp;</span></span>"
            f"{invisible}{html_escape(before)}</span>"
            f"<span class='js-display-url'>{html_escape(sans_ellipses)}</span>"
            f"{invisible}{html_escape(after)}</span>"
            f"<span class='tco-ellipsis'>{invisible}&nbsp;</span>{following}</span>"
        )

    def render(self, entity: EntityMapping) -> str | None:
        """Render any supported entity; None when its kind is unknown."""
        if entity.get("url"):
            return self.url(entity)
        if entity.get("hashtag"):
            return self.hashtag(entity)
        if entity.get("screen_name"):
            return self.mention(entity)
        if entity.get("cashtag"):
            return self.cashtag(entity)
        return None


def autolink_entities(
    text: str, entities: Iterable[EntityMapping], **options: Unpack[AutolinkOptions]
) -> str:
    """Link the given entities (code point ``indices``) in ``text``.

    Entities are processed in start order; one overlapping an earlier entity, or of an
    unknown kind, is left as plain text.
    """
    settings = resolve_options(options)
    escape: Callable[[str], str] = (
        html_escape if settings.html_escape_non_entities else (lambda chunk: chunk)
    )
    ordered = sorted(entities, key=lambda e: e["indices"][0])
    if not ordered:
        return escape(text)
    renderer = _Renderer(text, settings)
    pieces: list[str] = []
    position = 0
    for entity in ordered:
        start, end = entity["indices"]
        if start < position:
            continue
        html = renderer.render(entity)
        if html is None:
            continue
        pieces.append(escape(text[position:start]))
        pieces.append(html)
        position = end
    pieces.append(escape(text[position:]))
    return "".join(pieces)


def autolink(text: str, **options: Unpack[AutolinkOptions]) -> str:
    """Link URLs (with a protocol), mentions, lists, hashtags and cashtags."""
    entities = extract_entities_with_indices(text, extract_url_without_protocol=False)
    return autolink_entities(text, entities, **options)


def autolink_usernames_and_lists(text: str, **options: Unpack[AutolinkOptions]) -> str:
    """Link ``@user`` mentions and ``@user/list`` references."""
    return autolink_entities(text, extract_mentions_or_lists_with_indices(text), **options)


def autolink_hashtags(text: str, **options: Unpack[AutolinkOptions]) -> str:
    """Link ``#hashtags`` (not those inside URLs)."""
    return autolink_entities(text, extract_hashtags_with_indices(text), **options)


def autolink_cashtags(text: str, **options: Unpack[AutolinkOptions]) -> str:
    """Link ``$CASHTAGS``."""
    return autolink_entities(text, extract_cashtags_with_indices(text), **options)


def autolink_urls(text: str, **options: Unpack[AutolinkOptions]) -> str:
    """Link URLs that have an ``http://`` or ``https://`` protocol."""
    entities = extract_urls_with_indices(text, extract_url_without_protocol=False)
    return autolink_entities(text, entities, **options)


_JSON_KINDS = {"hashtags": "hashtag", "symbols": "cashtag"}


def entities_from_json(json_entities: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Convert Twitter API ``entities`` (``urls``, ``user_mentions``, ``hashtags``,
    ``symbols``, ``media`` ...) into autolink entities, as upstream JS does."""
    entities: list[dict[str, Any]] = []
    for key, items in json_entities.items():
        if not isinstance(items, list):
            continue
        for item in items:
            entity = dict(item)
            kind = _JSON_KINDS.get(key)
            if kind is not None and "text" in entity:
                entity[kind] = entity["text"]
            entities.append(entity)
    return entities


def autolink_with_json(
    text: str, json_entities: Mapping[str, Any], **options: Unpack[AutolinkOptions]
) -> str:
    """Link the entities of a Twitter API ``entities`` object (code point indices)."""
    return autolink_entities(text, entities_from_json(json_entities), **options)
