"""The engine's days move from the site's time zone to each merchant's (issue #23): a campaign's
days (``CampaignDay``), the posts' days of engagement (``PostEngagementDay``) and each person's day
in a campaign (``UserCampaignTally``, the daily cap) are counted again from the rewards and the
snapshots, on the merchant's day (``rewards.rollups.days_rebuild``, the rule the engine and
``rewards_check`` use from now on). Portable: PostgreSQL and SQLite."""

from django.db import migrations

from rewards.rollups import days_rebuild


def days_in_merchant_time_zone(apps, schema_editor):
    days_rebuild(merchant_ids=None, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0010_merchant_language_merchant_time_zone"),
        ("rewards", "0017_reward_merchant_id_index"),
        ("social", "0008_engagement_figures"),
    ]

    operations = [migrations.RunPython(days_in_merchant_time_zone, migrations.RunPython.noop)]
