"""The web UI's languages: catalogs, choosing a language, and formatting per locale.

Strings are written in English in templates and code (``gettext``/``_``); Dutch comes from
``locale/nl/LC_MESSAGES/messages.po``, compiled in memory when first used, so the
repository holds only the text a translator edits. ``make messages`` extracts new strings.
"""

from __future__ import annotations

import contextvars
import functools
import io
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from babel.units import format_unit

from parley.errors import ParleyError

LANGUAGES: dict[str, str] = {"en": "English", "nl": "Nederlands"}
DEFAULT = "en"
LOCALE_DIR = Path(__file__).with_name("locale")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("parley_language", default=DEFAULT)


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalog of ``language``; English (the source language) needs none."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    # Fuzzy entries are guesses a translator has not confirmed: English is better.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def supported(value: str | None) -> str | None:
    """``value`` as one of LANGUAGES (``nl-BE`` → ``nl``), or None."""
    if not value:
        return None
    base = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The best supported language of an ``Accept-Language`` header (RFC 9110 weights)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        language = supported(tag)
        if language and weight > 0:
            ranked.append((-weight, index, language))
    return min(ranked)[2] if ranked else None


def choose(account_locale: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page language: the person's chosen one (the account setting when signed in,
    else the cookie set by the switcher), else the browser's, else English."""
    return supported(account_locale) or supported(cookie) or from_accept_language(accept_language) or DEFAULT


def activate(language: str) -> contextvars.Token[str]:
    return _current.set(language)


def current() -> str:
    return _current.get()


def gettext(message: str, /, **variables: object) -> str:
    """``message`` in the current language, with ``%(name)s`` variables filled in."""
    text = translations(_current.get()).ugettext(message)
    return text % variables if variables else text


def error_text(exc: ParleyError) -> str:
    """A domain error's message in the current language."""
    return gettext(exc.template, **exc.variables)


def ngettext(singular: str, plural: str, n: int, /, **variables: object) -> str:
    text = translations(_current.get()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables



def lazy(message: str) -> str:
    """Marks ``message`` for extraction where it is defined; translated where shown."""
    return message


# --- formatting ---------------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_when(value: datetime | str | None, style: str = "medium") -> str:
    """A date and time in the current locale (UTC: the server knows no time zone)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_datetime(_aware(value), style, tzinfo=UTC, locale=current())


def format_day(value: datetime | str | None, style: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_date(_aware(value), style, locale=current())


def format_ago(value: datetime | str | None, now: datetime | None = None) -> str:
    """How long ago, short ("3 min", "2 h"); past a week, the date."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    value = _aware(value)
    delta = (now or datetime.now(UTC)) - value
    if delta.days >= 7:
        return format_date(value, "medium", locale=current())
    seconds = max(int(delta.total_seconds()), 1)
    return format_timedelta(seconds, threshold=1, format="narrow", locale=current())


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=current())


def format_bytes(value: int) -> str:
    """A file size limit in megabytes, as the current language writes it ("10 MB")."""
    return format_unit(value / (1024 * 1024), "digital-megabyte", length="short", format="#,##0.#", locale=current())


def language_name(code: str) -> str:
    """A language's name in the current language (for post language tags)."""
    try:
        return Locale.parse(current()).languages.get(code, code)
    except (ValueError, TypeError):
        return code
