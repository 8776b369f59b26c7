"""The rate-limit counters skip PostgreSQL's write-ahead log (an UNLOGGED table): every API request
counts itself there, the counts last a minute, and a crash that loses them is harmless (the limiter
starts the minute again). docs/api.md, "Rate limits"; docs/benchmarks.md, "Public API"."""

from django.db import migrations


def _persistence(logged: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite (make run) has no such thing
        schema_editor.execute(f"ALTER TABLE api_ratewindow SET {'LOGGED' if logged else 'UNLOGGED'}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0005_widget_pass"),
    ]

    operations = [migrations.RunPython(_persistence(logged=False), _persistence(logged=True))]
