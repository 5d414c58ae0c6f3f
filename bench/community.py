"""The synthetic community the benchmark runs against, written with bulk inserts.

Who is in it (``Scale`` sets the numbers):

- members: active accounts (``last_active_at`` = now). Each follows ``followees`` other
  members chosen with Zipf weights (rank r drawn with probability ~ 1/r), so follower
  counts are Zipf-distributed, plus the big authors below. Each has ``posts_per_member``
  posts, so a member's home history is about followees x posts_per_member ~ 1,000 posts.
- five authors with 0, 100, 10,000, 100,000 and 10,000,000 followers (``a0`` ... ``a10m``).
  The 10k author's followers are all active, so a post by it is fanned out to 10,000
  feeds. Followers beyond the members are generated "fan" accounts that follow only the
  big authors. The 10M author gets ``followers_count`` = 10,000,000 backed by
  ``ten_million_real`` real follow rows (see README: loading 10M rows takes minutes).
- heavy readers (full run): active accounts that follow ``prolific`` authors with
  ``prolific_posts`` posts each: a home history of 1,000,000 posts.
- returning readers: last active 30 days ago, no feed; their first home read rebuilds it.

Every counter (followers_count, following_count, statuses_count) equals the rows,
except the 10M author's followers_count when ``ten_million_real`` < 10,000,000.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import secrets
import time
from array import array
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bulk import Bulk

from parley.store.tables import utcnow

ACCOUNT_COLS = [
    "id", "username", "username_lower", "display_name", "note", "locked", "bot", "discoverable",
    "verified", "role", "locale", "default_visibility", "default_sensitive", "fields_json",
    "followers_count", "following_count", "statuses_count", "last_status_at", "last_active_at",
    "created_at", "updated_at",
]
FOLLOW_COLS = ["id", "account_id", "target_account_id", "show_reblogs", "notify", "created_at"]
POST_COLS = [
    "id", "account_id", "text", "content_html", "spoiler_text", "visibility", "sensitive", "language",
    "conversation_id", "replies_count", "reblogs_count", "favourites_count", "quotes_count", "created_at",
]
TOKEN_COLS = ["id", "access_token_hash", "account_id", "scope", "created_at"]

SPECIALS = [("a0", 0), ("a100", 100), ("a10k", 10_000), ("a100k", 100_000), ("a10m", 10_000_000)]
SEQ_BITS = 16


@dataclass(frozen=True)
class Scale:
    members: int
    followees: int
    posts_per_member: int
    readers: int  # members with a token and a built feed (the 1k-history readers)
    special_posts: int
    ten_million_real: int  # real follow rows behind the 10M author
    heavy_readers: int  # 1M-history readers (0: none)
    prolific: int
    prolific_posts: int
    returning: int  # returning inactive readers per history size


FULL = Scale(
    members=10_000, followees=200, posts_per_member=5, readers=1000, special_posts=20,
    ten_million_real=2_000_000, heavy_readers=100, prolific=200, prolific_posts=5000, returning=5,
)
QUICK = Scale(
    members=2_000, followees=200, posts_per_member=5, readers=200, special_posts=20,
    ten_million_real=20_000, heavy_readers=0, prolific=0, prolific_posts=0, returning=3,
)


@dataclass
class Reader:
    id: int
    token: str


@dataclass
class Community:
    scale: Scale
    specials: dict[str, Reader] = field(default_factory=dict)  # name -> author (id, token)
    special_followers: dict[str, list[int]] = field(default_factory=dict)  # real follower ids
    followers_count: dict[str, int] = field(default_factory=dict)
    readers: list[Reader] = field(default_factory=list)  # 1k-history readers
    heavy: list[Reader] = field(default_factory=list)  # 1M-history readers
    returning_1k: list[Reader] = field(default_factory=list)
    returning_1m: list[Reader] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)
    member_tokens: dict[int, str] = field(default_factory=dict)
    member_post_ids: list[int] = field(default_factory=list)  # a sample, for favourites
    history_1k: int = 0  # posts in a typical 1k reader's history
    history_1m: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    member_follower_counts: list[int] = field(default_factory=list)
    # What the benchmark needs to build the readers' feeds without the database:
    followees_of: dict[int, list[int]] = field(default_factory=dict)  # 1k and 1M readers
    followers_of: dict[int, int] = field(default_factory=dict)  # followers_count of authors they follow
    posts_by_author: dict[int, array] = field(default_factory=dict)  # post ids, ascending

    def feed_of(self, reader_id: int, size: int, fanout_max: int) -> list[int]:
        """The reader's home feed as ``parley.feeds.service.rebuild`` computes it: the newest
        ``size`` posts by followed accounts that are fanned out to (<= fanout_max
        followers) and by the reader. Every generated post is public, original and not a
        reply, so no other filter applies."""
        authors = [a for a in self.followees_of[reader_id] if self.followers_of.get(a, 0) <= fanout_max]
        authors.append(reader_id)
        candidates: list[int] = []
        for a in authors:
            candidates.extend(self.posts_by_author.get(a, array("q"))[-size:])
        candidates.sort(reverse=True)
        return candidates[:size]

    def summary(self) -> dict[str, Any]:
        counts = sorted(self.member_follower_counts, reverse=True)
        return {
            "scale": self.scale.__dict__,
            "rows": self.rows,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
            "special_followers_count": self.followers_count,
            "special_real_follow_rows": {k: len(v) for k, v in self.special_followers.items()},
            "member_followers_top": counts[:5],
            "member_followers_median": counts[len(counts) // 2] if counts else 0,
            "history_1k": self.history_1k,
            "history_1m": self.history_1m,
        }


class Ids:
    """Time-sortable ids like ``parley.ids``: (milliseconds << 16) | sequence."""

    def __init__(self, start_ms: int) -> None:
        self.ms = start_ms
        self.seq = 0

    def next(self) -> int:
        self.seq += 1
        if self.seq >> SEQ_BITS:
            self.seq = 0
            self.ms += 1
        return (self.ms << SEQ_BITS) | self.seq


def _zipf_followees(rng: random.Random, n: int, k: int) -> list[array]:
    """For each of n members, k distinct other members drawn with Zipf(1) weights."""
    cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(n)))
    out = []
    k = min(k, n - 1)
    for i in range(n):
        chosen: dict[int, None] = {}
        tries = 0
        while len(chosen) < k and tries < 8:
            for t in rng.choices(range(n), cum_weights=cum, k=2 * k):
                if t != i:
                    chosen[t] = None
                    if len(chosen) == k:
                        break
            tries += 1
        if len(chosen) < k:  # top up uniformly (only for tiny communities)
            for t in rng.sample(range(n), n):
                if t != i:
                    chosen[t] = None
                    if len(chosen) == k:
                        break
        out.append(array("i", chosen.keys()))
    return out


def generate(bulk: Bulk, scale: Scale, *, seed: int = 7, log: Any = print) -> Community:
    rng = random.Random(seed)
    com = Community(scale)
    now = utcnow()
    t_now = bulk.ts(now)
    t_old = bulk.ts(now - timedelta(days=30))
    F, T = bulk.b(False), bulk.b(True)
    ms_now = int(now.timestamp() * 1000)
    acct_ids = Ids(ms_now - 90 * 86_400_000)
    edge_ids = Ids(ms_now - 60 * 86_400_000)
    token_ids = Ids(ms_now - 40 * 86_400_000)

    # --- who exists -------------------------------------------------------------------
    m = scale.members
    members = [acct_ids.next() for _ in range(m)]
    com.member_ids = members
    specials = {name: acct_ids.next() for name, _ in SPECIALS}
    prolific = [acct_ids.next() for _ in range(scale.prolific)]
    heavy = [acct_ids.next() for _ in range(scale.heavy_readers)]
    ret_1k = [acct_ids.next() for _ in range(scale.returning)]
    ret_1m = [acct_ids.next() for _ in range(scale.returning if scale.heavy_readers else 0)]

    started = time.perf_counter()
    followees = _zipf_followees(rng, m, scale.followees)
    com.seconds["zipf"] = time.perf_counter() - started

    # --- the special authors' followers -----------------------------------------------
    fol: dict[str, list[int]] = {name: [] for name, _ in SPECIALS}
    fol["a100"] = rng.sample(members, min(100, m))
    set_a100 = set(fol["a100"])
    fol["a10k"] = list(members[:10_000])
    need_10k_fans = max(0, 10_000 - len(fol["a10k"]))
    # Everyone who reads follows the two big accounts (their posts are merged at read time).
    base_big = members + heavy + ret_1k + ret_1m
    need_100k_fans = max(0, 100_000 - len(base_big))
    need_10m_fans = max(0, scale.ten_million_real - len(base_big))
    n_fans = max(need_10k_fans, need_100k_fans, need_10m_fans)
    fans = [acct_ids.next() for _ in range(n_fans)]
    fol["a10k"] += fans[:need_10k_fans]
    fol["a100k"] = base_big + fans[:need_100k_fans]
    fol["a10m"] = base_big + fans[:need_10m_fans]
    com.special_followers = fol
    com.followers_count = {name: len(fol[name]) for name, _ in SPECIALS}
    com.followers_count["a10m"] = 10_000_000

    # --- counters ---------------------------------------------------------------------
    followers_of_member = [0] * m
    for row in followees:
        for t in row:
            followers_of_member[t] += 1
    com.member_follower_counts = followers_of_member
    following: dict[int, int] = {}
    for ids in fol.values():
        for a in ids:
            following[a] = following.get(a, 0) + 1
    member_index = {a: i for i, a in enumerate(members)}

    # --- posts ----------------------------------------------------------------------
    # Three groups (members, the special authors, the prolific authors); each spreads its
    # posts evenly over the last 30 days, round-robin over its authors, one post per
    # millisecond; the group number in the sequence bits keeps ids unique across groups.
    n_member_posts = m * scale.posts_per_member
    span_ms = 30 * 86_400_000
    first_ms = ms_now - 31 * 86_400_000
    authors_posts: list[tuple[list[int], int]] = [
        (members, scale.posts_per_member),
        ([specials[n] for n, _ in SPECIALS], scale.special_posts),
        (prolific, scale.prolific_posts),
    ]
    statuses: dict[int, int] = {}
    last_status: dict[int, Any] = {}
    for group, per in authors_posts:
        for a in group:
            statuses[a] = per

    def post_rows() -> Any:
        sample_every = max(1, n_member_posts // 5000)
        for g, (group, per) in enumerate(authors_posts):
            total = len(group) * per
            if not total:
                continue
            step = max(1, span_ms // total)
            k = 0
            for r in range(per):
                for a in group:
                    ms = first_ms + k * step
                    pid = (ms << SEQ_BITS) | (g << 14) | (k & 0x3FFF)
                    k += 1
                    created = bulk.ts(now - timedelta(milliseconds=ms_now - ms))
                    last_status[a] = created
                    by_author = com.posts_by_author.get(a)
                    if by_author is None:
                        by_author = com.posts_by_author[a] = array("q")
                    by_author.append(pid)
                    if g == 0 and k % sample_every == 0:
                        com.member_post_ids.append(pid)
                    text = f"Post {r} by account {a}: synthetic benchmark text."
                    yield (pid, a, text, f"<p>{text}</p>", "", "public", F, "en", pid, 0, 0, 0, 0, created)

    started = time.perf_counter()

    # accounts first (foreign keys), with counters computed above; last_status_at is
    # filled in after the posts.
    def account_rows() -> Any:
        def row(a: int, name: str, active: Any, followers: int) -> tuple[Any, ...]:
            return (
                a, name, name.lower(), name, "", F, F, T, F, "user", "en", "public", F, "[]",
                followers, following.get(a, 0), statuses.get(a, 0), None, active, t_now, t_now,
            )

        for i, a in enumerate(members):
            following[a] = following.get(a, 0) + len(followees[i])
            yield row(a, f"m{i}", t_now, followers_of_member[i])
        for name, _ in SPECIALS:
            yield row(specials[name], name, t_now, com.followers_count[name])
        for i, a in enumerate(prolific):
            yield row(a, f"prolific{i}", t_now, len(heavy) + len(ret_1m))
        for i, a in enumerate(heavy):
            following[a] = following.get(a, 0) + len(prolific)
            yield row(a, f"heavy{i}", t_now, 0)
        for i, a in enumerate(ret_1k):
            following[a] = following.get(a, 0) + scale.followees
            yield row(a, f"back{i}", t_old, 0)
        for i, a in enumerate(ret_1m):
            following[a] = following.get(a, 0) + len(prolific)
            yield row(a, f"backheavy{i}", t_old, 0)
        for k, a in enumerate(fans):
            yield row(a, f"fan{k}", t_now if k < need_10k_fans else None, 0)

    com.rows["accounts"] = bulk.insert("accounts", ACCOUNT_COLS, account_rows())
    com.seconds["accounts"] = time.perf_counter() - started
    log(f"  accounts: {com.rows['accounts']:,} rows in {com.seconds['accounts']:.1f} s")

    # --- follows ----------------------------------------------------------------------
    started = time.perf_counter()
    ret_followees = [rng.sample(range(m), min(scale.followees, m)) for _ in ret_1k]

    def follow_rows() -> Any:
        for i, a in enumerate(members):
            for t in followees[i]:
                yield (edge_ids.next(), a, members[t], T, F, t_now)
        for name, ids in fol.items():
            target = specials[name]
            for a in ids:
                yield (edge_ids.next(), a, target, T, F, t_now)
        for a in heavy + ret_1m:
            for p in prolific:
                yield (edge_ids.next(), a, p, T, F, t_now)
        for a, chosen in zip(ret_1k, ret_followees, strict=True):
            for t in chosen:
                yield (edge_ids.next(), a, members[t], T, F, t_now)

    com.rows["follows"] = bulk.insert("follows", FOLLOW_COLS, follow_rows())
    com.seconds["follows"] = time.perf_counter() - started
    log(f"  follows: {com.rows['follows']:,} rows in {com.seconds['follows']:.1f} s")
    # The returning 1k readers' followees gained followers: fix their counters.
    extra: dict[int, int] = {}
    for chosen in ret_followees:
        for t in chosen:
            extra[members[t]] = extra.get(members[t], 0) + 1
    if extra:
        bulk.execute(
            "UPDATE accounts SET followers_count = followers_count + ? WHERE id = ?",
            [(n, a) for a, n in extra.items()],
        )
        for a, n in extra.items():
            followers_of_member[member_index[a]] += n

    # --- posts ------------------------------------------------------------------------
    started = time.perf_counter()
    com.rows["posts"] = bulk.insert("posts", POST_COLS, post_rows())
    com.seconds["posts"] = time.perf_counter() - started
    log(f"  posts: {com.rows['posts']:,} rows in {com.seconds['posts']:.1f} s")
    bulk.execute("UPDATE accounts SET last_status_at = ? WHERE id = ?", [(v, a) for a, v in last_status.items()])

    # --- tokens -----------------------------------------------------------------------
    started = time.perf_counter()
    tokens: list[tuple[int, str]] = []

    def new_token(account_id: int) -> Reader:
        value = "bench-" + secrets.token_urlsafe(24)
        tokens.append((account_id, value))
        return Reader(account_id, value)

    for name, _ in SPECIALS:
        com.specials[name] = new_token(specials[name])
    for a in members:
        com.member_tokens[a] = new_token(a).token
    readers = rng.sample(range(m), min(scale.readers, m))
    com.readers = [Reader(members[i], com.member_tokens[members[i]]) for i in readers]
    com.heavy = [new_token(a) for a in heavy]
    com.returning_1k = [new_token(a) for a in ret_1k]
    com.returning_1m = [new_token(a) for a in ret_1m]
    com.rows["oauth_tokens"] = bulk.insert(
        "oauth_tokens",
        TOKEN_COLS,
        (
            (token_ids.next(), hashlib.sha256(v.encode()).hexdigest(), a, "read write follow", t_now)
            for a, v in tokens
        ),
    )
    com.seconds["tokens"] = time.perf_counter() - started

    started = time.perf_counter()
    bulk.analyze()
    com.seconds["analyze"] = time.perf_counter() - started

    # Home history of a typical 1k reader: followees' posts + the big authors' posts + own.
    # For building feeds: who the readers follow and how many followers those have.
    for i in readers:
        com.followees_of[members[i]] = [members[t] for t in followees[i]] + [specials["a10k"], specials["a100k"], specials["a10m"]] + (
            [specials["a100"]] if members[i] in set_a100 else []
        )
    for a in heavy:
        com.followees_of[a] = list(prolific) + [specials["a100k"], specials["a10m"]]
    for i, a in enumerate(members):
        com.followers_of[a] = followers_of_member[i]
    for name, _ in SPECIALS:
        com.followers_of[specials[name]] = com.followers_count[name]
    for a in prolific:
        com.followers_of[a] = len(heavy) + len(ret_1m)

    com.history_1k = scale.followees * scale.posts_per_member + 2 * scale.special_posts + scale.posts_per_member
    com.history_1m = scale.prolific * scale.prolific_posts + 2 * scale.special_posts if heavy else 0
    return com
