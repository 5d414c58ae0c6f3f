"""``parley transparency verify``: check a Parley instance's transparency log from outside.

What it checks, with nothing but the instance's public HTTP API:

1. The signed tree head (``get-sth``) verifies with the published key, and the key is the
   one saved last time (a changed key is reported).
2. All entries (``get-entries``, in pages), hashed again, give the signed root: nothing
   changed, dropped, added or moved. Each entry must be canonical JSON and say its own
   index (``previous_tree_size``), so a dropped or moved entry is named. When the root
   differs, the first entry that differs is found by bisection with consistency proofs:
   the smallest m for which the first m entries, as served, are not a prefix of the signed
   tree.
3. With a state file: the new head extends the head saved last time (``get-sth-consistency``
   verified against both roots, and the saved root recomputed from the entries); the same
   size with another root is a fork, a smaller size a log that shrank.

Only a head that passed everything is saved. ``run`` returns the exit code: 0 all good,
1 a check failed, 2 the log could not be read. Transport is a ``Fetch`` function (path and
query in, parsed JSON out), by default ``http_fetch`` with ``urllib`` from the standard
library; the tests pass one that calls the app in process.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parley.transparency import keys, merkle
from parley.transparency.log import canonical_json

PREFIX = "/api/parley/v1/transparency"
CT = f"{PREFIX}/ct/v1"
PAGE = 1000
MAX_LISTED = 10  # problems of one kind listed one by one before "and N more"

Fetch = Callable[[str, Mapping[str, int | str]], Any]
Print = Callable[[str], None]


class FetchError(Exception):
    """The log could not be read (network, HTTP error, or an answer that is not JSON)."""


def http_fetch(base_url: str, *, timeout: float = 30.0) -> Fetch:
    """GET ``base_url + path?query`` and parse the JSON answer."""
    base = base_url.rstrip("/")

    def fetch(path: str, query: Mapping[str, int | str]) -> Any:
        url = base + path + (f"?{urllib.parse.urlencode(dict(query))}" if query else "")
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "parley-verify"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                body = answer.read()
        except urllib.error.HTTPError as exc:
            raise FetchError(f"{url}: HTTP {exc.code} {_error_text(exc.read())}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise FetchError(f"{url}: {exc}") from exc
        try:
            return json.loads(body)
        except ValueError as exc:
            raise FetchError(f"{url}: the answer is not JSON") from exc

    return fetch


def _error_text(body: bytes) -> str:
    try:
        return str(json.loads(body).get("error", ""))
    except (ValueError, AttributeError):
        return body[:200].decode(errors="replace")


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    state: dict[str, Any] | None = None  # the head to save, when every check passed

    @property
    def ok(self) -> bool:
        return not self.problems


class Malformed(Exception):
    """An answer of the log does not have the shape RFC 6962 gives it."""


def _b64(value: Any, what: str, size: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise Malformed(f"{what} is not a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Malformed(f"{what} is not base64") from exc
    if size is not None and len(raw) != size:
        raise Malformed(f"{what} is {len(raw)} bytes, not {size}")
    return raw


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Malformed(f"{what} is not a whole number")
    return value


@dataclass(frozen=True)
class Head:
    tree_size: int
    timestamp: int
    root_hash: bytes
    signature: bytes


def _head(data: Any) -> Head:
    if not isinstance(data, dict):
        raise Malformed("get-sth did not answer an object")
    return Head(
        _int(data.get("tree_size"), "tree_size"),
        _int(data.get("timestamp"), "timestamp"),
        _b64(data.get("sha256_root_hash"), "sha256_root_hash", 32),
        _b64(data.get("tree_head_signature"), "tree_head_signature"),
    )


def _hashes(data: Any, name: str) -> list[bytes]:
    if not isinstance(data, dict) or not isinstance(data.get(name), list):
        raise Malformed(f"the answer has no list {name}")
    return [_b64(v, f"{name}[{i}]", 32) for i, v in enumerate(data[name])]


def _listed(items: list[str]) -> list[str]:
    if len(items) <= MAX_LISTED:
        return items
    return items[:MAX_LISTED] + [f"... and {len(items) - MAX_LISTED} more like these"]


def _gaps(claimed: list[int], expected: int) -> list[str]:
    """The indexes from 0 to ``expected`` - 1 (or to the largest claimed) that no entry
    claims, as ranges: ["2", "5-7"]."""
    out: list[str] = []
    following = 0
    for c in [*sorted(set(claimed)), expected]:
        if c > following:
            out.append(str(following) if c - 1 == following else f"{following}-{c - 1}")
        following = max(following, c + 1)
    return _listed(out)


def _ranges(indexes: list[int]) -> str:
    """1, 2, 3, 7 -> "1-3, 7"."""
    parts: list[str] = []
    for i in sorted(indexes):
        if parts and parts[-1].split("-")[-1] == str(i - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{i}"
        else:
            parts.append(str(i))
    return ", ".join(parts[:MAX_LISTED]) + (" ..." if len(parts) > MAX_LISTED else "")


def _is_canonical(entry: dict[str, Any], data: bytes) -> bool:
    """Whether ``data`` is the log's own encoding of ``entry`` (``log.canonical_json``),
    which refuses what JSON cannot say, such as NaN."""
    try:
        return canonical_json(entry) == data
    except ValueError:
        return False


class _Entries:
    """The entries as served, hashed, with what each says about itself."""

    def __init__(self) -> None:
        self.tree = merkle.Tree()
        self.claimed: list[int | None] = []  # each entry's previous_tree_size
        self.decisions: list[str | None] = []
        self.not_canonical: list[int] = []
        self.unreadable: list[int] = []

    def add(self, data: bytes) -> None:
        position = self.tree.size
        self.tree.append(merkle.leaf_hash(data))
        try:
            entry = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            entry = None
        if not isinstance(entry, dict):
            self.unreadable.append(position)
            self.claimed.append(None)
            self.decisions.append(None)
            return
        if not _is_canonical(entry, data):
            self.not_canonical.append(position)
        claimed = entry.get("previous_tree_size")
        self.claimed.append(claimed if isinstance(claimed, int) and not isinstance(claimed, bool) else None)
        decision = entry.get("decision_id")
        self.decisions.append(decision if isinstance(decision, str) else None)

    def problems(self, expected: int) -> list[str]:
        """What is wrong with the entries of a log whose tree head says ``expected``."""
        out: list[str] = []
        if self.unreadable:
            out.append(f"entries that are not JSON objects: {_ranges(self.unreadable)}")
        if self.not_canonical:
            out.append(f"entries that are not canonical JSON (changed after they were written?): {_ranges(self.not_canonical)}")
        # An entry that cannot be read is taken to be where it stands.
        claimed = [position if c is None else c for position, c in enumerate(self.claimed)]
        dropped = _gaps(claimed, expected)
        if dropped:
            out.append(f"entries missing from the log (dropped): {', '.join(dropped)}")
        repeated = sorted(i for i, n in Counter(claimed).items() if n > 1)
        if repeated:
            out.append(f"entries that appear more than once: {_ranges(repeated)}")
        moved = [
            f"the entry at position {position} says it is entry {c}" for position, c in enumerate(claimed) if c != position
        ]
        if claimed != sorted(claimed):
            out.append("entries are out of order (the log was reordered): " + "; ".join(_listed(moved)[:4]))
        elif moved and not dropped and not repeated:
            out.extend(_listed(moved))
        twice = sorted(d for d, n in Counter(d for d in self.decisions if d).items() if n > 1)
        if twice:
            out.append(f"decisions logged more than once: {', '.join(twice[:MAX_LISTED])}")
        return out


def verify(fetch: Fetch, saved: Mapping[str, Any] | None = None, *, page: int = PAGE, say: Print = print) -> Outcome:
    """Check the log that ``fetch`` reads against ``saved`` (the last head seen, or None)."""
    out = Outcome()

    # 1. The key and the signed tree head.
    info = fetch(f"{PREFIX}/public-key", {})
    if not isinstance(info, dict) or info.get("algorithm") != keys.ALGORITHM:
        raise Malformed("the public key is missing or not Ed25519")
    public = _b64(info.get("public_key"), "public_key", 32)
    public_b64 = keys.b64(public)
    if saved and saved.get("public_key") not in (None, public_b64):
        out.problems.append(
            f"the log's public key changed: it was {saved['public_key']}, it is now {public_b64}"
        )
    head = _head(fetch(f"{CT}/get-sth", {}))
    if keys.verify_tree_head(public, head.timestamp, head.tree_size, head.root_hash, head.signature):
        say(f"ok    tree head: {head.tree_size} entries, root {head.root_hash.hex()}, signature verified")
    else:
        out.problems.append(f"the signature of the tree head ({head.tree_size} entries) does not verify with the log's public key")

    # 2. Every entry, hashed again.
    entries = _Entries()
    while entries.tree.size < head.tree_size:
        start = entries.tree.size
        answer = fetch(f"{CT}/get-entries", {"start": start, "end": min(head.tree_size, start + page) - 1})
        if not isinstance(answer, dict) or not isinstance(answer.get("entries"), list):
            raise Malformed("get-entries did not answer a list of entries")
        if not answer["entries"]:
            break
        for i, item in enumerate(answer["entries"][: head.tree_size - start]):
            if not isinstance(item, dict):
                raise Malformed(f"entry {start + i} is not an object")
            entries.add(_b64(item.get("leaf_input"), f"leaf_input of entry {start + i}"))
    if entries.tree.size != head.tree_size:
        out.problems.append(f"the log served {entries.tree.size} entries, but its tree head says {head.tree_size}")
    out.problems.extend(entries.problems(head.tree_size))
    if entries.tree.size == head.tree_size:
        if entries.tree.root() == head.root_hash:
            say(f"ok    {head.tree_size} entries hash to the signed root")
        else:
            found = _first_difference(fetch, entries.tree, head)
            where = f": the first entry that differs is entry {found}" if found is not None else ""
            out.problems.append(f"the entries do not hash to the signed root{where}")

    # 3. The head seen last time.
    if saved:
        _check_saved(fetch, saved, head, entries.tree, out, say)
    else:
        out.notes.append("no state file yet: this head is the one the next run checks against")

    if out.ok:
        out.state = {
            "public_key": public_b64,
            "log_id": keys.b64(keys.log_id(public)),
            "tree_size": head.tree_size,
            "timestamp": head.timestamp,
            "sha256_root_hash": keys.b64(head.root_hash),
            "tree_head_signature": keys.b64(head.signature),
            "verified_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    return out


def _consistent(fetch: Fetch, first: int, first_root: bytes, head: Head) -> bool:
    proof = _hashes(fetch(f"{CT}/get-sth-consistency", {"first": first, "second": head.tree_size}), "consistency")
    return merkle.verify_consistency(first, head.tree_size, first_root, head.root_hash, proof)


def _first_difference(fetch: Fetch, tree: merkle.Tree, head: Head) -> int | None:
    """The index of the first entry served that is not the one the signed tree holds: the
    smallest m whose prefix of m entries, as served, is not consistent with the head."""
    lo, hi = 1, head.tree_size  # prefix of hi entries: known inconsistent (its root differs)
    try:
        while lo < hi:
            mid = (lo + hi) // 2
            if _consistent(fetch, mid, tree.root(mid), head):
                lo = mid + 1
            else:
                hi = mid
    except (FetchError, Malformed):
        return None
    return lo - 1


def _check_saved(fetch: Fetch, saved: Mapping[str, Any], head: Head, tree: merkle.Tree, out: Outcome, say: Print) -> None:
    size = _int(saved.get("tree_size"), "tree_size in the state file")
    root = _b64(saved.get("sha256_root_hash"), "sha256_root_hash in the state file", 32)
    if head.tree_size < size:
        out.problems.append(f"the log shrank: it had {size} entries when last checked, it has {head.tree_size} now")
        return
    if head.tree_size == size:
        if head.root_hash != root:
            out.problems.append(
                f"fork: the tree of {size} entries had root {root.hex()} when last checked, "
                f"and has root {head.root_hash.hex()} now"
            )
        else:
            say(f"ok    same tree head as last time ({size} entries)")
        return
    if not _consistent(fetch, size, root, head):
        out.problems.append(
            f"fork: the tree of {head.tree_size} entries does not extend the tree of {size} entries "
            "seen last time (the consistency proof fails)"
        )
    elif size <= tree.size and tree.root(size) != root:
        out.problems.append(f"fork: the first {size} entries served now do not hash to the root seen last time")
    else:
        say(f"ok    extends the tree head seen last time ({size} -> {head.tree_size} entries)")


def load_state(path: Path) -> dict[str, Any] | None:
    """The head saved by the last run that passed; None when there is no file yet."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        _int(data["tree_size"], "tree_size")
        _b64(data["sha256_root_hash"], "sha256_root_hash", 32)
        _b64(data["public_key"], "public_key", 32)
    except (ValueError, TypeError, KeyError, Malformed) as exc:
        raise ValueError(f"{path} does not hold a saved tree head ({exc})") from exc
    return dict(data)


def save_state(path: Path, state: Mapping[str, Any]) -> None:
    """Write the state file whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    os.replace(partial, path)


def run(url: str, state_path: Path | None, *, fetch: Fetch | None = None, say: Print = print) -> int:
    """The command: verify, print what failed, save the head when all passed."""
    try:
        saved = load_state(state_path) if state_path else None
    except ValueError as exc:
        say(f"error: the state file cannot be read: {exc}")
        return 2
    try:
        outcome = verify(fetch or http_fetch(url), saved, say=say)
    except FetchError as exc:
        say(f"error: the log could not be read: {exc}")
        return 2
    except Malformed as exc:
        say(f"FAIL  the log answered something RFC 6962 does not allow: {exc}")
        return 1
    for note in outcome.notes:
        say(f"note  {note}")
    for problem in outcome.problems:
        say(f"FAIL  {problem}")
    if not outcome.ok:
        say(f"verification FAILED ({len(outcome.problems)} problem(s)); the state file was not changed")
        return 1
    if state_path and outcome.state is not None:
        save_state(state_path, {"url": url, **outcome.state})
        say(f"saved the tree head to {state_path}")
    say("verification passed")
    return 0
