import environ
import pytest

from tikjoy.config import database_config, q_cluster_config


def test_postgres_url_uses_psycopg_pool():
    config = database_config("postgres://app:secret@db.internal:5433/tikjoy", pool=True, pool_max_size=7)

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.internal",
        5433,
        "tikjoy",
        "app",
    )
    assert config["OPTIONS"]["pool"]["max_size"] == 7
    assert config["CONN_MAX_AGE"] == 0


def test_postgres_socket_directory_is_decoded():
    config = database_config("postgres://app@%2Frun%2Fpostgresql:5432/tikjoy", pool=False)

    assert config["HOST"] == "/run/postgresql"
    assert "pool" not in config["OPTIONS"]


def test_sqlite_url_gets_wal_and_busy_timeout():
    config = database_config("sqlite:////tmp/tikjoy.sqlite3", pool=True)

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/tikjoy.sqlite3"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert "pool" not in config["OPTIONS"]


def test_queue_defaults_to_the_orm_broker():
    assert q_cluster_config("orm")["orm"] == "default"
    assert "redis" not in q_cluster_config("")


def test_queue_uses_redis_when_given_a_redis_url():
    config = q_cluster_config("redis://cache.internal:6379/2", workers=4)

    assert config["redis"] == "redis://cache.internal:6379/2"
    assert config["workers"] == 4
    assert "orm" not in config


def test_queue_rejects_an_unknown_broker():
    with pytest.raises(environ.ImproperlyConfigured, match="Q_BROKER"):
        q_cluster_config("amqp://rabbit")


def test_production_profile_refuses_to_start_without_a_secret_key():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tikjoy.settings'; django.setup()",
        ],
        env={"DJANGO_ENV": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
