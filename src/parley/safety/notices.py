"""What people read about a moderated post: the public-interest notice and the removal
note, in English and Dutch (the languages of the rules catalog)."""

from __future__ import annotations

from parley.safety.catalog import BASE_LANGUAGE, CatalogRule

_NOTICE = {
    "en": (
        "This post broke Parley's rules{about}. Parley has decided that it is in the "
        "public interest for it to remain accessible."
    ),
    "nl": (
        "Dit bericht overtrad de regels van Parley{about}. Parley heeft besloten dat het "
        "in het algemeen belang is dat het toegankelijk blijft."
    ),
}

_REMOVED = {
    "en": "This post is no longer available because it broke Parley's rules{about}.",
    "nl": "Dit bericht is niet meer beschikbaar omdat het de regels van Parley{about} overtrad.",
}

_ABOUT = {"en": " about {topic}", "nl": " over {topic}"}


def _about(rule: CatalogRule | None, language: str) -> str:
    """" about <the rule's title>", or nothing when the rule is not in the catalog."""
    if rule is None:
        return ""
    title = rule.title.get(language) or rule.title[BASE_LANGUAGE]
    return _ABOUT.get(language, _ABOUT[BASE_LANGUAGE]).format(topic=title[:1].lower() + title[1:])


def notice_text(rule: CatalogRule | None, language: str = BASE_LANGUAGE) -> str:
    """The public-interest notice naming ``rule``."""
    template = _NOTICE.get(language, _NOTICE[BASE_LANGUAGE])
    return template.format(about=_about(rule, language))


def removed_text(rule: CatalogRule | None, language: str = BASE_LANGUAGE) -> str:
    """What a removed post's author sees in its place."""
    template = _REMOVED.get(language, _REMOVED[BASE_LANGUAGE])
    return template.format(about=_about(rule, language))


LANGUAGES = tuple(_NOTICE)
