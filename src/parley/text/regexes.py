"""Compiled regular expressions ported from twitter-text.

Sources: ``rb/lib/twitter-text/regex.rb``, ``js/src/regexp/*.js`` and
``java/.../twittertext/Regex.java`` (Apache License 2.0). Where the three upstream
implementations disagree, the behaviour shared by two of them is used; the choices are
noted inline. Everything is compiled once, at import time.

Python's ``re`` lacks ``\\p{...}`` classes, so Unicode categories are expanded with
:mod:`parley.text._charsets`. Screen names, list slugs and cashtags use explicit
``[a-zA-Z]`` classes rather than ``re.IGNORECASE`` so that non-ASCII case folding (for
example U+017F LATIN SMALL LETTER LONG S matching ``s``) cannot widen them.
"""

from __future__ import annotations

import re
import string
from typing import TypeAlias

from ._charsets import (
    code_points_by_category,
    literal_class_body,
    parse_ruby_class,
    ranges_to_class_body,
)
from .tlds import COUNTRY_TLDS, GENERIC_TLDS

# --------------------------------------------------------------------------------------
# Character groups (bodies of character classes, without the surrounding brackets)
# --------------------------------------------------------------------------------------

UNICODE_SPACES = literal_class_body(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e"
    + "".join(chr(cp) for cp in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
"""White_Space characters, as listed in upstream ``UNICODE_SPACES``."""

DIRECTIONAL_CHARACTERS = literal_class_body(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Bidirectional formatting characters (ALM, LRM, RLM, LRE ... PDI)."""

INVALID_CHARACTERS = literal_class_body("\ufffe\ufeff\uffff")
"""Characters that make a post invalid: byte-order marks and U+FFFF."""

PUNCTUATION_CHARS = literal_class_body(string.punctuation)
"""ASCII punctuation (Ruby ``PUNCTUATION_CHARS`` / Java ``\\p{Punct}``)."""

ASCII_SPACE_CHARS = literal_class_body(" \t\n\x0b\x0c\r")
"""Ruby and Java ``\\s``: ASCII whitespace only."""

CTRL_CHARS = r"\x00-\x1f\x7f"

LATIN_ACCENTS = (
    r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257"
    r"\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
"""Latin-1, Latin Extended A/B, some IPA, Hawaiian okina, combining diacritics, Vietnamese."""

CYRILLIC_CHARS = r"\u0400-\u04ff"
"""Cyrillic block, as in the JS and Java ports (Ruby uses ``\\p{Cyrillic}`` here)."""

RTL_CHARACTERS = r"\u0600-\u06ff\u0750-\u077f\u0590-\u05ff\ufe70-\ufeff"
"""Arabic, Arabic Supplement, Hebrew and Arabic Presentation Forms-B."""

AT_SIGNS = "@\uff20"
HASH_SIGNS = "#\uff03"

# Ruby: "Generated from unicode_regex/unicode_regex_groups.scala, more inclusive than
# Ruby's \p{L}\p{M}". Transcribed verbatim and merged with the current Unicode L and M.
_HASHTAG_LETTER_EXTRAS = (
    r"\u037f\u0528-\u052f\u08a0-\u08b2\u08e4-\u08ff\u0978\u0980\u0c00\u0c34\u0c81\u0d01\u0ede\u0edf"
    r"\u10c7\u10cd\u10fd-\u10ff\u16f1-\u16f8\u17b4\u17b5\u191d\u191e\u1ab0-\u1abe\u1bab-\u1bad\u1bba-"
    r"\u1bbf\u1cf3-\u1cf6\u1cf8\u1cf9\u1de7-\u1df5\u2cf2\u2cf3\u2d27\u2d2d\u2d66\u2d67\u9fcc\ua674-"
    r"\ua67b\ua698-\ua69d\ua69f\ua792-\ua79f\ua7aa-\ua7ad\ua7b0\ua7b1\ua7f7-\ua7f9\ua9e0-\ua9ef\ua9fa-"
    r"\ua9fe\uaa7c-\uaa7f\uaae0-\uaaef\uaaf2-\uaaf6\uab30-\uab5a\uab5c-\uab5f\uab64\uab65\uf870-\uf87f"
    r"\uf882\uf884-\uf89f\uf8b8\uf8c1-\uf8d6\ufa2e\ufa2f\ufe27-\ufe2d\u{102e0}\u{1031f}\u{10350}-\u{1037a}"
    r"\u{10500}-\u{10527}\u{10530}-\u{10563}\u{10600}-\u{10736}\u{10740}-\u{10755}\u{10760}-\u{10767}"
    r"\u{10860}-\u{10876}\u{10880}-\u{1089e}\u{10980}-\u{109b7}\u{109be}\u{109bf}\u{10a80}-\u{10a9c}"
    r"\u{10ac0}-\u{10ac7}\u{10ac9}-\u{10ae6}\u{10b80}-\u{10b91}\u{1107f}\u{110d0}-\u{110e8}\u{11100}-"
    r"\u{11134}\u{11150}-\u{11173}\u{11176}\u{11180}-\u{111c4}\u{111da}\u{11200}-\u{11211}\u{11213}-"
    r"\u{11237}\u{112b0}-\u{112ea}\u{11301}-\u{11303}\u{11305}-\u{1130c}\u{1130f}\u{11310}\u{11313}-"
    r"\u{11328}\u{1132a}-\u{11330}\u{11332}\u{11333}\u{11335}-\u{11339}\u{1133c}-\u{11344}\u{11347}"
    r"\u{11348}\u{1134b}-\u{1134d}\u{11357}\u{1135d}-\u{11363}\u{11366}-\u{1136c}\u{11370}-\u{11374}"
    r"\u{11480}-\u{114c5}\u{114c7}\u{11580}-\u{115b5}\u{115b8}-\u{115c0}\u{11600}-\u{11640}\u{11644}"
    r"\u{11680}-\u{116b7}\u{118a0}-\u{118df}\u{118ff}\u{11ac0}-\u{11af8}\u{1236f}-\u{12398}\u{16a40}-"
    r"\u{16a5e}\u{16ad0}-\u{16aed}\u{16af0}-\u{16af4}\u{16b00}-\u{16b36}\u{16b40}-\u{16b43}\u{16b63}-"
    r"\u{16b77}\u{16b7d}-\u{16b8f}\u{16f00}-\u{16f44}\u{16f50}-\u{16f7e}\u{16f8f}-\u{16f9f}\u{1bc00}-"
    r"\u{1bc6a}\u{1bc70}-\u{1bc7c}\u{1bc80}-\u{1bc88}\u{1bc90}-\u{1bc99}\u{1bc9d}\u{1bc9e}\u{1e800}-"
    r"\u{1e8c4}\u{1e8d0}-\u{1e8d6}\u{1ee00}-\u{1ee03}\u{1ee05}-\u{1ee1f}\u{1ee21}\u{1ee22}\u{1ee24}"
    r"\u{1ee27}\u{1ee29}-\u{1ee32}\u{1ee34}-\u{1ee37}\u{1ee39}\u{1ee3b}\u{1ee42}\u{1ee47}\u{1ee49}"
    r"\u{1ee4b}\u{1ee4d}-\u{1ee4f}\u{1ee51}\u{1ee52}\u{1ee54}\u{1ee57}\u{1ee59}\u{1ee5b}\u{1ee5d}\u{1ee5f}"
    r"\u{1ee61}\u{1ee62}\u{1ee64}\u{1ee67}-\u{1ee6a}\u{1ee6c}-\u{1ee72}\u{1ee74}-\u{1ee77}\u{1ee79}-"
    r"\u{1ee7c}\u{1ee7e}\u{1ee80}-\u{1ee89}\u{1ee8b}-\u{1ee9b}\u{1eea1}-\u{1eea3}\u{1eea5}-\u{1eea9}"
    r"\u{1eeab}-\u{1eebb}"
)
_HASHTAG_NUMERAL_EXTRAS = (
    r"\u0de6-\u0def\ua9f0-\ua9f9\u{110f0}-\u{110f9}\u{11136}-\u{1113f}\u{111d0}-\u{111d9}\u{112f0}-"
    r"\u{112f9}\u{114d0}-\u{114d9}\u{11650}-\u{11659}\u{116c0}-\u{116c9}\u{118e0}-\u{118e9}\u{16a60}-"
    r"\u{16a69}\u{16b50}-\u{16b59}"
)

_CATEGORIES = code_points_by_category(letters=("L", "M"), digits=("Nd",), dashes=("Pd",))
HASHTAG_LETTERS_AND_MARKS = ranges_to_class_body(
    _CATEGORIES["letters"] + parse_ruby_class(_HASHTAG_LETTER_EXTRAS)
)
HASHTAG_NUMERALS = ranges_to_class_body(
    _CATEGORIES["digits"] + parse_ruby_class(_HASHTAG_NUMERAL_EXTRAS)
)
HASHTAG_SPECIAL_CHARS = literal_class_body(
    "_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003\u0f0b\u0f0c\u00b7"
)
HASHTAG_LETTERS_NUMERALS = HASHTAG_LETTERS_AND_MARKS + HASHTAG_NUMERALS + HASHTAG_SPECIAL_CHARS

DASH_PUNCTUATION = ranges_to_class_body(_CATEGORIES["dashes"])
"""``\\p{Pd}``, used by the RFC 3986 based URL validation (Ruby)."""

del _CATEGORIES

CYRILLIC_SCRIPT = r"\u0400-\u052f\u1c80-\u1c8f\u1d2b\u1d78\u2de0-\u2dff\ua640-\ua69f\ufe2e\ufe2f"
"""Approximation of Ruby's ``\\p{Cyrillic}`` script class, by block."""

# --------------------------------------------------------------------------------------
# Hashtags, mentions, replies, cashtags
# --------------------------------------------------------------------------------------

VALID_HASHTAG = re.compile(
    rf"(^|\ufe0e|\ufe0f|[^&{HASHTAG_LETTERS_NUMERALS}])"  # 1: boundary before the hash
    rf"([{HASH_SIGNS}])"  # 2: hash sign
    r"(?!\ufe0f|\u20e3)"  # not an emoji-style or keycap hash sign
    rf"([{HASHTAG_LETTERS_NUMERALS}]*[{HASHTAG_LETTERS_AND_MARKS}][{HASHTAG_LETTERS_NUMERALS}]*)"
)  # upstream's /i is redundant: letter classes are closed under case mapping
# Applied with ``pattern.match(text, end)``, so no leading ``^`` (it would pin to index 0).
END_HASHTAG_MATCH = re.compile(rf"(?:[{HASH_SIGNS}]|://)")

# JS/Ruby: "RT" in any letter case may directly precede a mention.
VALID_MENTION_PRECEDING_CHARS = (
    rf"(?:^|[^a-zA-Z0-9_!#$%&*{AT_SIGNS}]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"
)
VALID_MENTION_OR_LIST = re.compile(
    rf"({VALID_MENTION_PRECEDING_CHARS})"  # 1: preceding character(s)
    rf"([{AT_SIGNS}])"  # 2: at sign
    r"([a-zA-Z0-9_]{1,20})"  # 3: screen name
    r"(/[a-zA-Z][a-zA-Z0-9_\-]{0,24})?"  # 4: list slug (optional)
)
VALID_LIST = re.compile(rf"\A{VALID_MENTION_OR_LIST.pattern}\Z")
# Ruby and Java allow directional marks before a reply's at sign; JS only spaces.
VALID_REPLY = re.compile(
    rf"^(?:[{UNICODE_SPACES}{DIRECTIONAL_CHARACTERS}])*[{AT_SIGNS}]([a-zA-Z0-9_]{{1,20}})"
)
END_MENTION_MATCH = re.compile(rf"(?:[{AT_SIGNS}{LATIN_ACCENTS}]|://)")  # see END_HASHTAG_MATCH

CASHTAG = r"[a-zA-Z]{1,6}(?:[._][a-zA-Z]{1,2})?"
# Ruby and Java: preceded by whitespace or a directional mark, followed by end of text,
# ASCII whitespace or ASCII punctuation.
VALID_CASHTAG = re.compile(
    rf"(^|[{UNICODE_SPACES}{DIRECTIONAL_CHARACTERS}])"  # 1: preceding character
    r"(\$)"  # 2: dollar sign
    rf"({CASHTAG})"  # 3: cashtag
    rf"(?=\Z|[{ASCII_SPACE_CHARS}]|[{PUNCTUATION_CHARS}])"
)

RTL_CHARS = re.compile(rf"[{RTL_CHARACTERS}]")
INVALID_CHARS = re.compile(f"[{INVALID_CHARACTERS}]")
AT_SIGN = re.compile(f"[{AT_SIGNS}]")

# --------------------------------------------------------------------------------------
# URL extraction
# --------------------------------------------------------------------------------------


_Trie: TypeAlias = dict[str, "_Trie"]


def _tld_trie_pattern(tlds: tuple[str, ...]) -> str:
    """Build an alternation equivalent to ``'|'.join(tlds)``, factored as a trie.

    Upstream lists every TLD before its own prefixes, so the plain alternation prefers
    the longest TLD that still satisfies the following lookahead. The trie tries longer
    continuations before stopping, which gives the same preference, but costs one
    character comparison per level instead of one per TLD.
    """
    trie: _Trie = {}
    for tld in tlds:
        node = trie
        for char in tld:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_to_regex(trie)


def _trie_to_regex(node: _Trie) -> str:
    """Render one trie node (see :func:`_tld_trie_pattern`)."""
    terminal = "" in node
    branches = [re.escape(char) + _trie_to_regex(child) for char, child in node.items() if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if terminal:
        body = f"(?:{body})?" if len(branches) == 1 else body + "?"
    return body


_TLD_END = r"(?=[^0-9a-zA-Z@+-]|$)"
VALID_GTLD = rf"(?:{_tld_trie_pattern(GENERIC_TLDS)}{_TLD_END})"
VALID_CCTLD = rf"(?:{_tld_trie_pattern(COUNTRY_TLDS)}{_TLD_END})"
VALID_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"

VALID_URL_PRECEDING_CHARS = (
    rf"(?:[^A-Za-z0-9@\uff20$#\uff03{INVALID_CHARACTERS}]|[{DIRECTIONAL_CHARACTERS}]|^)"
)
INVALID_URL_WITHOUT_PROTOCOL_PRECEDING_CHARS = re.compile(r"[-_./]\Z")

# Ruby's DOMAIN_VALID_CHARS (JS omits '"', '`' and control characters from the exclusions).
DOMAIN_VALID_CHARS = (
    rf"[^{DIRECTIONAL_CHARACTERS}{PUNCTUATION_CHARS}{CTRL_CHARS}"
    rf"{INVALID_CHARACTERS}{UNICODE_SPACES}]"
)
VALID_SUBDOMAIN = (
    rf"(?:(?:{DOMAIN_VALID_CHARS}(?:[_-]|{DOMAIN_VALID_CHARS})*)?{DOMAIN_VALID_CHARS}\.)"
)
VALID_DOMAIN_NAME = (
    rf"(?:(?:{DOMAIN_VALID_CHARS}(?:-|{DOMAIN_VALID_CHARS})*)?{DOMAIN_VALID_CHARS}\.)"
)
VALID_DOMAIN = (
    rf"(?:{VALID_SUBDOMAIN}*{VALID_DOMAIN_NAME}(?:{VALID_GTLD}|{VALID_CCTLD}|{VALID_PUNYCODE}))"
)
VALID_PORT_NUMBER = r"[0-9]+"

# JS/Java: '-' and U+2013 EN DASH (Ruby: all of \p{Pd}).
VALID_GENERAL_URL_PATH_CHARS = (
    rf"[a-z{CYRILLIC_CHARS}0-9!*';:=+,.$/%#\[\]\-\u2013_~&|@{LATIN_ACCENTS}]"
)
# Up to two nested levels of balanced parentheses: /Primer_(film), /S(dfd346)/,
# /track/We_Up_(Album_Version_(Edited))/
VALID_URL_BALANCED_PARENS = (
    r"\("
    rf"(?:{VALID_GENERAL_URL_PATH_CHARS}+"
    rf"|(?:{VALID_GENERAL_URL_PATH_CHARS}*\({VALID_GENERAL_URL_PATH_CHARS}+\)"
    rf"{VALID_GENERAL_URL_PATH_CHARS}*))"
    r"\)"
)
# Valid end-of-path characters, so "/foo." does not swallow the period.
VALID_URL_PATH_ENDING_CHARS = (
    rf"[+\-a-z{CYRILLIC_CHARS}0-9=_#/{LATIN_ACCENTS}]|(?:{VALID_URL_BALANCED_PARENS})"
)
# JS/Java: "@" must start the second alternative (Ruby allows any path characters).
VALID_URL_PATH = (
    rf"(?:(?:{VALID_GENERAL_URL_PATH_CHARS}*"
    rf"(?:{VALID_URL_BALANCED_PARENS}{VALID_GENERAL_URL_PATH_CHARS}*)*"
    rf"{VALID_URL_PATH_ENDING_CHARS})|(?:@{VALID_GENERAL_URL_PATH_CHARS}+/))"
)
VALID_URL_QUERY_CHARS = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
VALID_URL_QUERY_ENDING_CHARS = r"[a-z0-9\-_&=#/]"

VALID_URL = re.compile(
    r"("  # 1: total match
    rf"({VALID_URL_PRECEDING_CHARS})"  # 2: preceding character
    r"("  # 3: URL
    r"(https?://)?"  # 4: protocol (optional)
    rf"({VALID_DOMAIN})"  # 5: domain(s)
    rf"(?::({VALID_PORT_NUMBER}))?"  # 6: port number (optional)
    rf"(/{VALID_URL_PATH}*)?"  # 7: path
    rf"(\?{VALID_URL_QUERY_CHARS}*{VALID_URL_QUERY_ENDING_CHARS})?"  # 8: query string
    r")"
    r")",
    re.IGNORECASE,
)
VALID_URL_GROUP_BEFORE = 2
VALID_URL_GROUP_URL = 3
VALID_URL_GROUP_PROTOCOL = 4
VALID_URL_GROUP_DOMAIN = 5
VALID_URL_GROUP_PATH = 7

VALID_ASCII_DOMAIN = re.compile(
    rf"(?:(?:[\-a-z0-9{LATIN_ACCENTS}]+)\.)+(?:{VALID_GTLD}|{VALID_CCTLD}|{VALID_PUNYCODE})",
    re.IGNORECASE,
)
# Stricter t.co matching: no path characters beyond the slug, but a query is allowed.
VALID_TCO_URL = re.compile(
    rf"^https?://t\.co/([a-z0-9]+)(?:\?{VALID_URL_QUERY_CHARS}*{VALID_URL_QUERY_ENDING_CHARS})?",
    re.IGNORECASE,
)
URL_HAS_PROTOCOL = re.compile(r"^https?://", re.IGNORECASE)

# --------------------------------------------------------------------------------------
# URL validation (RFC 3986 based, from Ruby regex.rb / JS validateUrl*.js)
# --------------------------------------------------------------------------------------

_UNRESERVED = rf"[a-z{CYRILLIC_SCRIPT}0-9{DASH_PUNCTUATION}._~]"
_PCT_ENCODED = r"(?:%[0-9a-f]{2})"
_SUB_DELIMS = r"[!$&'()*+,;=]"
_PCHAR = rf"(?:{_UNRESERVED}|{_PCT_ENCODED}|{_SUB_DELIMS}|[:|@])"
_USERINFO = rf"(?:{_UNRESERVED}|{_PCT_ENCODED}|{_SUB_DELIMS}|:)*"
_DEC_OCTET = r"(?:[0-9]|(?:[1-9][0-9])|(?:1[0-9]{2})|(?:2[0-4][0-9])|(?:25[0-5]))"
_IPV4 = rf"(?:{_DEC_OCTET}(?:\.{_DEC_OCTET}){{3}})"
_IPV6 = r"(?:\[[a-f0-9:.]+\])"  # upstream punts on real IPv6 validation
_IP = rf"(?:{_IPV4}|{_IPV6})"
_SUBDOMAIN_SEGMENT = r"(?:[a-z0-9](?:[a-z0-9_\-]*[a-z0-9])?)"
_DOMAIN_SEGMENT = r"(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)"
_DOMAIN_TLD = r"(?:[a-z](?:[a-z0-9\-]*[a-z0-9])?)"
_DOMAIN = rf"(?:(?:{_SUBDOMAIN_SEGMENT}\.)*(?:{_DOMAIN_SEGMENT}\.){_DOMAIN_TLD})"
_HOST = rf"(?:{_IP}|{_DOMAIN})"
_NON_ASCII = r"[^\x00-\x7f]"
_UNICODE_SUBDOMAIN_SEGMENT = (
    rf"(?:(?:[a-z0-9]|{_NON_ASCII})(?:(?:[a-z0-9_\-]|{_NON_ASCII})*(?:[a-z0-9]|{_NON_ASCII}))?)"
)
_UNICODE_DOMAIN_SEGMENT = (
    rf"(?:(?:[a-z0-9]|{_NON_ASCII})(?:(?:[a-z0-9\-]|{_NON_ASCII})*(?:[a-z0-9]|{_NON_ASCII}))?)"
)
_UNICODE_DOMAIN_TLD = (
    rf"(?:(?:[a-z]|{_NON_ASCII})(?:(?:[a-z0-9\-]|{_NON_ASCII})*(?:[a-z0-9]|{_NON_ASCII}))?)"
)
_UNICODE_DOMAIN = (
    rf"(?:(?:{_UNICODE_SUBDOMAIN_SEGMENT}\.)*(?:{_UNICODE_DOMAIN_SEGMENT}\.){_UNICODE_DOMAIN_TLD})"
)
_UNICODE_HOST = rf"(?:{_IP}|{_UNICODE_DOMAIN})"
_PORT = r"[0-9]{1,5}"

VALIDATE_URL_UNENCODED = re.compile(
    r"\A"
    r"(?:([^:/?#]+)://)?"  # 1: scheme
    r"([^/?#]*)"  # 2: authority
    r"([^?#]*)"  # 3: path
    r"(?:\?([^#]*))?"  # 4: query
    r"(?:#(.*))?"  # 5: fragment
    r"\Z",
    re.IGNORECASE,
)
VALIDATE_URL_SCHEME = re.compile(r"(?:[a-z][a-z0-9+\-.]*)", re.IGNORECASE)
VALIDATE_URL_HTTP_SCHEME = re.compile(r"\Ahttps?\Z", re.IGNORECASE)
VALIDATE_URL_PATH = re.compile(rf"(/{_PCHAR}*)*", re.IGNORECASE)
VALIDATE_URL_QUERY = re.compile(rf"({_PCHAR}|/|\?)*", re.IGNORECASE)
VALIDATE_URL_FRAGMENT = re.compile(rf"({_PCHAR}|/|\?)*", re.IGNORECASE)
VALIDATE_URL_AUTHORITY = re.compile(rf"(?:({_USERINFO})@)?({_HOST})(?::({_PORT}))?", re.IGNORECASE)
VALIDATE_URL_UNICODE_AUTHORITY = re.compile(
    rf"(?:({_USERINFO})@)?({_UNICODE_HOST})(?::({_PORT}))?", re.IGNORECASE
)
