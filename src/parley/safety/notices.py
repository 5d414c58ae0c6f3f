"""What people read about a moderated post: the public-interest notice and the removal
note, in English and Dutch (the languages of the rules catalog)."""

from __future__ import annotations

from parley.safety.catalog import BASE_LANGUAGE, CatalogRule

_NOTICE = {
    "en": (
        "This post broke Parley's rules about {topic}. Parley has decided that it is in the "
        "public interest for it to remain accessible."
    ),
    "nl": (
        "Dit bericht overtrad de regels van Parley over {topic}. Parley heeft besloten dat het "
        "in het algemeen belang is dat het toegankelijk blijft."
    ),
}

_REMOVED = {
    "en": "This post is no longer available because it broke Parley's rules about {topic}.",
    "nl": "Dit bericht is niet meer beschikbaar omdat het de regels van Parley over {topic} overtrad.",
}


def _topic(rule: CatalogRule, language: str) -> str:
    title = rule.title.get(language) or rule.title[BASE_LANGUAGE]
    return title[:1].lower() + title[1:]


def notice_text(rule: CatalogRule, language: str = BASE_LANGUAGE) -> str:
    """The public-interest notice naming ``rule``."""
    template = _NOTICE.get(language, _NOTICE[BASE_LANGUAGE])
    return template.format(topic=_topic(rule, language))


def removed_text(rule: CatalogRule, language: str = BASE_LANGUAGE) -> str:
    """What a removed post's author sees in its place."""
    template = _REMOVED.get(language, _REMOVED[BASE_LANGUAGE])
    return template.format(topic=_topic(rule, language))


LANGUAGES = tuple(_NOTICE)
