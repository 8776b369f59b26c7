from allauth.socialaccount.admin import SocialAccountAdmin
from allauth.socialaccount.models import SocialAccount
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.admin import TolerantAutocompleteMixin
from social.models import CreatorStatus, EngagementSnapshot, TikTokProfile, TrackedPost, WebhookEvent
from social.services import creator_status_set


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


@admin.register(CreatorStatus)
class CreatorStatusOpsAdmin(TolerantAutocompleteMixin, admin.ModelAdmin):
    """Ops decide who counts as a creator when the TikTok follower count should not (it wins)."""

    list_display = ("user", "is_creator", "set_by", "updated_at")
    list_filter = ("is_creator",)
    search_fields = ("user__email", "user__display_name")
    readonly_fields = ("set_by", "updated_at")
    autocomplete_fields = ("user",)

    def save_model(self, request, obj, form, change):
        creator_status_set(
            user=form.cleaned_data["user"], is_creator=form.cleaned_data["is_creator"], actor=request.user
        )
        obj.pk = CreatorStatus.objects.get(user=form.cleaned_data["user"]).pk


class OpsSocialAccountAdmin(SocialAccountAdmin):
    """allauth's list of sign-in accounts, its person named in the reader's language (allauth's field is
    "user", untranslated: the list read "USER" in every language)."""

    list_display = ("person", "uid", "provider")

    @admin.display(description=_("person"), ordering="user")
    def person(self, obj: SocialAccount):
        return obj.user

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "user" and field is not None:
            field.label = capfirst(_("person"))
        return field


if admin.site.is_registered(SocialAccount):
    admin.site.unregister(SocialAccount)
admin.site.register(SocialAccount, OpsSocialAccountAdmin)
