from pathlib import Path

import pytest

from comments.config import Settings, SettingsError


def test_settings_come_from_comments_variables():
    settings = Settings.from_env(
        {
            "COMMENTS_HOME": "/srv/comments",
            "COMMENTS_TOXICITY_BATCH_SIZE": "16",
            "COMMENTS_TOXICITY_QUANTIZE": "yes",
            "COMMENTS_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2",
            "COMMENTS_TOXICITY_CONFIG_DIR": "/models/cfg",
            "UNRELATED": "x",
        }
    )
    assert settings.home == Path("/srv/comments")
    assert settings.toxicity_batch_size == 16
    assert settings.toxicity_quantize is True
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.0.2")
    assert settings.toxicity_config_dir == Path("/models/cfg")
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{Path('/srv/comments/comments.db')}"


def test_postgres_url_is_used_as_given():
    url = "postgresql+asyncpg://u:p@db/comments"
    settings = Settings.from_env({"COMMENTS_DATABASE_URL": url})
    assert settings.resolved_database_url == url
    assert not settings.is_sqlite


def test_a_bad_value_names_its_variable():
    with pytest.raises(SettingsError, match="COMMENTS_TOXICITY_BATCH_SIZE"):
        Settings.from_env({"COMMENTS_TOXICITY_BATCH_SIZE": "lots"})
