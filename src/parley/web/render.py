"""The Jinja2 environment of the web UI: templates, translations, filters.

Everything a template prints is escaped by Jinja's autoescape, except post and bio HTML,
which passes through ``parley.posts.render.sanitise`` in the ``html`` filter: the one
place user HTML reaches a page.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from parley.posts.render import sanitise
from parley.store.tables import utcnow
from parley.web import i18n

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


@functools.cache
def static_url(name: str) -> str:
    """``/static/NAME?v=HASH``: a changed file gets a new URL, so it can be cached long."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def _future(value: datetime | None) -> bool:
    """Whether ``value`` is still to come (a lock that has not run out): a Jinja test, so
    templates need no clock."""
    return value is not None and value > utcnow()


def _gettext(message: str) -> str:
    # Jinja's newstyle gettext fills in the variables itself; these only translate.
    return i18n.translations(i18n.current()).ugettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(i18n.current()).ungettext(singular, plural, n)


def _html(value: str | None) -> Markup:
    return Markup(sanitise(value or ""))


def _build() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.tests["future"] = _future
    env.filters.update(
        html=_html,
        when=i18n.format_when,
        day=i18n.format_day,
        ago=i18n.format_ago,
        number=i18n.format_number,
        language_name=i18n.language_name,
    )
    env.globals.update(static_url=static_url, languages=i18n.LANGUAGES)
    return env


templates = _build()


def render(name: str, language: str, **context: Any) -> str:
    """Render template ``name`` in ``language``."""
    token = i18n.activate(language)
    try:
        return templates.get_template(name).render(lang=language, **context)
    finally:
        i18n._current.reset(token)


def render_macro(template: str, macro: str, language: str, context: dict[str, Any], *args: Any, **kwargs: Any) -> str:
    """One macro of a template (a fragment for in-place updates), in ``language``;
    ``context`` holds the globals the macro reads (the viewer, the CSRF token)."""
    token = i18n.activate(language)
    try:
        module = templates.get_template(template).make_module({"lang": language, **context})
        return str(getattr(module, macro)(*args, **kwargs))
    finally:
        i18n._current.reset(token)
