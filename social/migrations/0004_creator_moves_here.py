"""``CreatorStatus`` moves here from campaigns (its table keeps its name) and keeps only ops' decision.

A creator is a social fact with one follower count, ``TikTokProfile.follower_count``: the
status's own ``follower_count`` and ``source`` columns go. A count ops typed in is kept by
copying it to the person's TikTok profile when that profile has none yet.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def keep_ops_follower_counts(apps, schema_editor):
    CreatorStatus = apps.get_model("social", "CreatorStatus")
    TikTokProfile = apps.get_model("social", "TikTokProfile")
    for user_id, count in CreatorStatus.objects.filter(follower_count__isnull=False).values_list(
        "user_id", "follower_count"
    ):
        TikTokProfile.objects.filter(user_id=user_id, follower_count__isnull=True).update(
            follower_count=count
        )


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0003_track_until_help"),
        ("campaigns", "0004_creator_moves_to_social"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CreatorStatus",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("is_creator", models.BooleanField(default=False)),
                        (
                            "source",
                            models.CharField(
                                choices=[("OPS", "Set by ops"), ("TIKTOK", "TikTok follower count")],
                                default="OPS",
                                max_length=6,
                            ),
                        ),
                        ("follower_count", models.PositiveIntegerField(blank=True, null=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "set_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="creator_status",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "campaigns_creatorstatus",
                        "verbose_name_plural": "creator statuses",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("source__in", ["OPS", "TIKTOK"])),
                                name="campaigns_creator_source_known",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(keep_ops_follower_counts, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="creatorstatus", name="campaigns_creator_source_known"),
        migrations.RemoveField(model_name="creatorstatus", name="source"),
        migrations.RemoveField(model_name="creatorstatus", name="follower_count"),
        migrations.AlterModelOptions(
            name="creatorstatus",
            options={
                "verbose_name": "creator status (ops decision)",
                "verbose_name_plural": "creator statuses (ops decisions)",
            },
        ),
    ]
