"""Cache-Control for public answers (the thread, replies and counts for anonymous readers): the same for
every anonymous caller, so shared caches (a CDN, nginx) may keep them for max-age seconds."""

from __future__ import annotations

from comments.config import Settings


def public_cache_control(settings: Settings) -> str:
    cache = f"public, max-age={settings.public_max_age}"
    if settings.public_stale_while_revalidate:
        cache += f", stale-while-revalidate={settings.public_stale_while_revalidate}"
    return cache
