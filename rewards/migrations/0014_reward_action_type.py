# The action's type on each reward (issue #16): the console's rewards list filters on it with an
# index of its own, (merchant, action_type, -created_at, -id), instead of joining every action; and
# each filter's index carries the other filters' columns (INCLUDE) for lists filtered twice.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0013_post_engagement_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="reward",
            name="action_type",
            field=models.CharField(
                choices=[
                    ("TIKTOK_LOGIN", "Log in with TikTok"),
                    ("WHATSAPP_LOGIN", "Log in with WhatsApp"),
                    ("SHARE_VIDEO", "Share a video on TikTok"),
                    ("LIKE", "Like one of the brand's posts"),
                    ("COMMENT", "Comment on one of the brand's posts"),
                    ("PURCHASE", "Buy in the brand's shop"),
                    ("SIGN_UP", "Sign up in the brand's shop"),
                ],
                default="",
                help_text="The action's type, copied from the action (which never changes it): the console's "
                "list filters on it with an index of its own instead of joining every action.",
                max_length=16,
            ),
            preserve_default=False,
        ),
        # Every reward already written takes its action's type (an action never changes it).
        migrations.RunSQL(
            "UPDATE rewards_reward SET action_type = a.action_type FROM rewards_socialaction a "
            "WHERE a.id = rewards_reward.action_id",
            migrations.RunSQL.noop,
        ),
        # Each filter's index carries the other filters' columns, so two filters read the index alone.
        migrations.RemoveIndex(model_name="reward", name="rewards_reward_campaign_new"),
        migrations.RemoveIndex(model_name="reward", name="rewards_reward_m_status"),
        migrations.RemoveIndex(model_name="reward", name="rewards_reward_m_kind"),
        migrations.AddIndex(
            model_name="reward",
            index=models.Index(
                fields=["campaign", "-created_at", "-id"],
                include=["merchant", "status", "kind", "action_type"],
                name="rewards_reward_campaign_new",
            ),
        ),
        migrations.AddIndex(
            model_name="reward",
            index=models.Index(
                fields=["merchant", "status", "-created_at", "-id"],
                include=["campaign", "kind", "action_type"],
                name="rewards_reward_m_status",
            ),
        ),
        migrations.AddIndex(
            model_name="reward",
            index=models.Index(
                fields=["merchant", "kind", "-created_at", "-id"],
                include=["campaign", "status", "action_type"],
                name="rewards_reward_m_kind",
            ),
        ),
        migrations.AddIndex(
            model_name="reward",
            index=models.Index(
                fields=["merchant", "action_type", "-created_at", "-id"],
                include=["campaign", "status", "kind"],
                name="rewards_reward_m_action",
            ),
        ),
        migrations.AddConstraint(
            model_name="reward",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "action_type__in",
                        [
                            "TIKTOK_LOGIN",
                            "WHATSAPP_LOGIN",
                            "SHARE_VIDEO",
                            "LIKE",
                            "COMMENT",
                            "PURCHASE",
                            "SIGN_UP",
                        ],
                    )
                ),
                name="rewards_reward_action_type_known",
                violation_error_message="Choose an action from the list.",
            ),
        ),
    ]
