"""All of Parley's configuration, read from ``PARLEY_*`` environment variables.

Nothing else reads the environment. ``Settings.from_env()`` is called once by the CLI or the
test harness and the result hangs off the app made by ``create_app(settings)``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from exc


def _rate(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number from 0 to 1, not {raw!r}") from exc
    if not 0 <= value <= 1:
        raise SystemExit(f"{name} must be a number from 0 to 1, not {raw!r}")
    return value


def _names(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list of names; set but empty means none."""
    raw = env.get(name)
    if raw is None:
        return default
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


def _ladder(env: Mapping[str, str], name: str, default: str) -> str:
    from parley.safety.policy import parse_ladder

    raw = (env.get(name) or default).strip()
    try:
        parse_ladder(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}: {exc}") from exc
    return raw


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or default).strip().lower()
    if raw not in allowed:
        raise SystemExit(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Configuration of one Parley instance. Defaults suit a laptop."""

    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    redis_prefix: str = "parley"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    instance_title: str = "Parley"
    instance_description: str = "A public square with accountable moderation."
    contact_email: str = "admin@parley.invalid"
    registrations_open: bool = True
    oauth_password_grant: bool = False
    max_media_attachments: int = 4
    max_image_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 16_777_216
    max_request_bytes: int = 16 * 1024 * 1024
    rate_limit_per_5min: int = 300
    rate_limit_posts_per_3h: int = 300
    rate_limit_auth_per_5min: int = 30
    rate_limits_enabled: bool = True
    access_token_ttl_days: int = 0
    fanout_max_followers: int = 10_000
    feed_size: int = 800
    feed_inactive_days: int = 14
    fanout_batch: int = 1000
    # Requests run their database work in this many threads per app process; each pool
    # keeps that many connections open (see parley.store.db).
    threads: int = 8
    jobs: str = "thread"  # thread: in-process worker; inline: run after commit; off: external workers
    job_lease_seconds: int = 60
    job_max_attempts: int = 8
    # Followers a designated, verified account needs *more than* to be a public-interest account.
    public_interest_min_followers: int = 100_000
    # Enforcement: how long a strike counts, how long a suspended account's data is kept,
    # how long a decision can be appealed (the DSA asks at least six months), and the share
    # of closed decisions sent to a blind second review.
    strike_expiry_days: int = 365
    suspension_retention_days: int = 30
    appeal_window_days: int = 182
    audit_rate: float = 0.1
    # What the n-th active strike costs: none, lock:HOURS or suspend, comma-separated
    # (Twitter's civic-integrity ladder by default); past the end the last step repeats.
    strike_ladder: str = "none,lock:12,lock:12,lock:168,suspend"
    # Automated flags (parley.safety.detectors): which detectors scan new posts, the term
    # lists file (None: the shipped one), and the classifier score that raises a flag.
    detectors: tuple[str, ...] = ("terms", "profanity")
    detector_terms: Path | None = None
    detector_profanity_threshold: float = 0.9
    # Reports one token may file per hour (the named limit "report").
    rate_limit_reports_per_hour: int = 30
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        """Host[:port] of the public URL: the domain part of ``@user@domain`` handles."""
        rest = self.base_url.split("://", 1)[-1]
        return rest.split("/", 1)[0]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default: the process environment)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("PARLEY_DATA_DIR") or "var")
        database_url = env.get("PARLEY_DATABASE_URL") or f"sqlite:///{data_dir / 'parley.db'}"
        settings = cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=env.get("PARLEY_REDIS_URL") or None,
            redis_prefix=env.get("PARLEY_REDIS_PREFIX") or "parley",
            base_url=(env.get("PARLEY_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            secret_key=env.get("PARLEY_SECRET_KEY") or "",
            instance_title=env.get("PARLEY_INSTANCE_TITLE") or "Parley",
            contact_email=env.get("PARLEY_CONTACT_EMAIL") or "admin@parley.invalid",
            registrations_open=_bool(env.get("PARLEY_REGISTRATIONS_OPEN"), True),
            oauth_password_grant=_bool(env.get("PARLEY_OAUTH_PASSWORD_GRANT"), False),
            max_image_bytes=_int(env, "PARLEY_MAX_IMAGE_BYTES", 10 * 1024 * 1024),
            max_image_pixels=_int(env, "PARLEY_MAX_IMAGE_PIXELS", 16_777_216),
            max_request_bytes=_int(env, "PARLEY_MAX_REQUEST_BYTES", 16 * 1024 * 1024),
            rate_limit_per_5min=_int(env, "PARLEY_RATE_LIMIT_PER_5MIN", 300),
            rate_limit_posts_per_3h=_int(env, "PARLEY_RATE_LIMIT_POSTS_PER_3H", 300),
            rate_limit_auth_per_5min=_int(env, "PARLEY_RATE_LIMIT_AUTH_PER_5MIN", 30),
            rate_limits_enabled=_bool(env.get("PARLEY_RATE_LIMITS"), True),
            fanout_max_followers=_int(env, "PARLEY_FANOUT_MAX_FOLLOWERS", 10_000),
            feed_size=_int(env, "PARLEY_FEED_SIZE", 800),
            threads=max(1, _int(env, "PARLEY_THREADS", 8)),
            feed_inactive_days=_int(env, "PARLEY_FEED_INACTIVE_DAYS", 14),
            fanout_batch=_int(env, "PARLEY_FANOUT_BATCH", 1000),
            jobs=_choice(env, "PARLEY_JOBS", ("thread", "inline", "off"), "thread"),
            job_lease_seconds=_int(env, "PARLEY_JOB_LEASE_SECONDS", 60),
            job_max_attempts=_int(env, "PARLEY_JOB_MAX_ATTEMPTS", 8),
            public_interest_min_followers=_int(env, "PARLEY_PUBLIC_INTEREST_MIN_FOLLOWERS", 100_000),
            strike_expiry_days=_int(env, "PARLEY_STRIKE_EXPIRY_DAYS", 365),
            strike_ladder=_ladder(env, "PARLEY_STRIKE_LADDER", "none,lock:12,lock:12,lock:168,suspend"),
            suspension_retention_days=_int(env, "PARLEY_SUSPENSION_RETENTION_DAYS", 30),
            appeal_window_days=_int(env, "PARLEY_APPEAL_WINDOW_DAYS", 182),
            audit_rate=_rate(env, "PARLEY_AUDIT_RATE", 0.1),
            detectors=_names(env, "PARLEY_DETECTORS", ("terms", "profanity")),
            detector_terms=Path(env["PARLEY_DETECTOR_TERMS"]) if env.get("PARLEY_DETECTOR_TERMS") else None,
            detector_profanity_threshold=_rate(env, "PARLEY_DETECTOR_PROFANITY_THRESHOLD", 0.9),
            rate_limit_reports_per_hour=_int(env, "PARLEY_RATE_LIMIT_REPORTS_PER_HOUR", 30),
        )
        return settings

    def with_secret(self) -> Settings:
        """Return settings with a secret key: the configured one, or one kept in the data dir."""
        if self.secret_key:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return replace(self, secret_key=path.read_text().strip())
