"""Every string the web UI can show has a Dutch translation, with the same placeholders.

The strings are extracted from the code and templates here, as ``make messages`` does, so
a new English string without a translation fails this test.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "src" / "parley" / "web" / "locale" / "nl" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, **{k: None for k in ("lazy", "t", "Invalid", "NotFound", "Forbidden", "Conflict", "Unauthorized", "RateLimited")}}
METHODS = [("src/parley/**.py", "python"), ("src/parley/web/templates/**.html", "jinja2")]
OPTIONS = {"src/parley/web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT, METHODS, OPTIONS, KEYWORDS):
        if isinstance(message, tuple):
            # Invalid("...", ...) style calls: only the first argument is a message.
            message = message[0] if message[1] is None or not isinstance(message[1], str) else message
        if message and re.search(r"[A-Za-z]", str(message)):
            found.add(message)
    return found


def test_every_string_has_a_dutch_translation() -> None:
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="nl")
    missing: list[str] = []
    wrong: list[str] = []
    for message in sorted(_extracted(), key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        if entry is None or entry.fuzzy or not (entry.string if isinstance(entry.string, str) else all(entry.string)):
            missing.append(str(key))
            continue
        english = " ".join(message) if isinstance(message, tuple) else message
        dutch = " ".join(entry.string) if isinstance(entry.string, tuple) else entry.string
        if set(PLACEHOLDER.findall(english)) != set(PLACEHOLDER.findall(dutch)):
            wrong.append(str(key))
    assert not missing, f"{len(missing)} strings have no Dutch translation (run make messages): {missing[:20]}"
    assert not wrong, f"placeholders differ in: {wrong}"
