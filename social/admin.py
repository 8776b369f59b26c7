from django.contrib import admin

from social.models import EngagementSnapshot, TikTokProfile, TrackedPost, WebhookEvent


@admin.register(TikTokProfile)
class TikTokProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "username",
        "display_name",
        "follower_count",
        "is_creator",
        "synced_at",
        "disconnected_at",
    ]
    list_filter = ["is_creator", "disconnect_reason"]
    search_fields = ["username", "display_name", "open_id"]
    readonly_fields = [f.name for f in TikTokProfile._meta.fields]


class SnapshotInline(admin.TabularInline):
    model = EngagementSnapshot
    extra = 0
    readonly_fields = ["views", "likes", "comments", "shares", "taken_at"]
    can_delete = False


@admin.register(TrackedPost)
class TrackedPostAdmin(admin.ModelAdmin):
    list_display = ["video_id", "user", "criterion_key", "status", "posted_at", "track_until"]
    list_filter = ["status"]
    search_fields = ["video_id", "caption"]
    readonly_fields = [f.name for f in TrackedPost._meta.fields]
    inlines = [SnapshotInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["source", "event_type", "received_at", "processed_at"]
    list_filter = ["source", "event_type"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]
