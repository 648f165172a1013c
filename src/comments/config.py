"""Settings, read from COMMENTS_* environment variables once and passed to create_app().

Nothing here runs at import time: `Settings.from_env()` is called by the CLI (or by tests, which
usually build `Settings(...)` directly).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

PREFIX = "COMMENTS_"


def _parse(value: str, kind: Any) -> Any:
    if kind is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(value)
    if kind is float:
        return float(value)
    if kind is Path:
        return Path(value).expanduser()
    if kind == tuple[str, ...]:
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return value


class SettingsError(ValueError):
    """A COMMENTS_* variable that cannot be read; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting has an environment variable: COMMENTS_<NAME IN UPPER CASE>."""

    home: Path = Path("./var")
    """Data directory: the SQLite file and the assembled bundled model live here."""
    database_url: str = ""
    """SQLAlchemy URL. Empty: sqlite+aiosqlite:///<home>/comments.db. PostgreSQL: postgresql+asyncpg://..."""
    database_echo: bool = False
    database_pool_size: int = 10

    debug: bool = False
    public_url: str = "http://127.0.0.1:8000"
    """Where readers reach this service (used in embed snippets and CSP)."""
    trusted_proxies: tuple[str, ...] = ()
    """Client addresses whose X-Forwarded-For is believed (for per-address throttles)."""

    session_ttl_seconds: int = 30 * 24 * 3600
    max_request_body_bytes: int = 64 * 1024

    # argon2id: RFC 9106 second recommended option is t=3, m=64 MiB, p=4.
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4
    argon2_max_concurrent: int = 2
    """At most this many hashes at once (each takes memory_cost of RAM)."""

    login_max_failures: int = 5
    """Failed logins per (account, client address) before each further attempt from that address waits
    (2 s, 4 s, 8 s, ...); 4x that per address over all accounts. The account itself is never locked."""
    login_window_seconds: int = 900
    """Failures older than this are forgotten."""
    login_max_delay_seconds: int = 900
    """The longest wait between attempts from a throttled address."""

    toxicity_model: str = "bundled"
    """bundled | original | unbiased | multilingual | original-small | unbiased-small | path to a checkpoint."""
    toxicity_config_dir: Path | None = None
    toxicity_device: str = "cpu"
    toxicity_batch_size: int = 32
    toxicity_batch_wait_ms: float = 3.0
    toxicity_timeout_seconds: float = 5.0
    toxicity_threads: int = 0
    """torch intra-op threads for inference; 0 keeps torch's default."""
    toxicity_quantize: bool = False
    """Dynamic int8 quantisation of the model's Linear layers."""
    toxicity_enabled: bool = True
    """False skips loading any model: every comment is held as classifier_unavailable (tests, tooling)."""

    smtp_host: str = ""
    """The SMTP server mail is sent through. Empty: mails are written to the log (`comments mail list`)."""
    smtp_port: int = 0
    """0: the usual port for smtp_tls (587 starttls, 465 tls, 25 off)."""
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_tls: str = "starttls"
    """starttls | tls (implicit TLS from the first byte) | off."""
    smtp_timeout_seconds: float = 20.0
    mail_from: str = "comments@localhost"
    """The From address of every mail (e.g. "Example News <comments@example.com>")."""

    secret_key: str = ""
    """Encrypts stored secrets that must be read back (sites' SSO secrets). Empty: a random key kept in
    <home>/secret.key, made on first use. Several hosts sharing a database need the same value."""

    email_verification_ttl_seconds: int = 48 * 3600
    password_reset_ttl_seconds: int = 3600
    password_resets_per_hour: int = 3
    """Reset mails per account per hour; more requests are answered the same but send nothing."""
    reset_requests_per_network_per_hour: int = 30
    """Reset requests from one client network (/24, /48) per hour before 429s."""
    address_retention_days: int = 30
    """Client networks and addresses (sessions, failed logins, reset requests) and sent mails are purged
    after this many days."""

    webhook_private_targets: bool = False
    """Allow webhook URLs on private, loopback or link-local addresses (receivers on an intranet)."""

    create_demo: bool = True
    """On an empty database `serve` creates the demo site and article."""

    workers: int = 1
    """Worker processes for `serve` (`--workers` overrides it)."""

    public_max_age: int = 5
    """Seconds a CDN or browser may reuse an anonymous thread page or counts answer (Cache-Control max-age)."""
    public_stale_while_revalidate: int = 30
    """Seconds past max-age a cache may serve the old answer while it fetches a new one."""
    probe_pool_size: int = 2
    """PostgreSQL connections per process for the public read path's version lookup (0: through the
    request's session instead); on top of database_pool_size."""
    access_log: bool = True
    """One log line per request from `serve` (off when a proxy in front keeps the access log)."""
    read_cache_entries: int = 1024
    """Encoded anonymous pages kept per process (0 turns the in-process read cache off)."""

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.home / 'comments.db').resolve()}"

    def __post_init__(self) -> None:
        if self.smtp_tls not in ("starttls", "tls", "off"):
            raise SettingsError(f"{PREFIX}SMTP_TLS={self.smtp_tls!r}: use starttls, tls or off")

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            kind = hints[f.name]
            if kind == Path | None:
                kind = Path
            try:
                values[f.name] = _parse(raw, kind)
            except ValueError as exc:
                raise SettingsError(f"{PREFIX}{f.name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
