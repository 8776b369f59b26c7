"""The engine in /ops/: actions, rewards, the fraud review queue, bans.

Nothing here edits money directly: every button calls a service in
``rewards.services`` (approve, reject, reverse, ban), with a reason where one
is needed, and the ledger records the movement.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from campaigns.admin import CampaignNameColumn
from campaigns.models import RewardRule, campaign_name_in
from core.admin import ReadOnlyAdmin, ReasonForm, reason_page
from rewards.calculation_text import risk_signal_line, risk_signal_name, risk_signal_text
from rewards.console import calculation_table
from rewards.models import (
    Ban,
    BanEvent,
    ConsumerNotice,
    HeldReward,
    LaunchWatch,
    Reward,
    RewardStatus,
    SocialAction,
)
from rewards.notices import notice_outcome_text
from rewards.reasons import reward_reason_text
from rewards.risk import people_sharing_devices
from rewards.services import (
    RewardError,
    RewardsReversed,
    held_reward_approve,
    held_reward_reject,
    not_held_text,
    rewards_reverse,
    user_ban,
    user_unban,
)
from wallets.columns import money_column
from wallets.formats import list_text, money_text


@admin.display(description=_("user"), ordering="user")
def user_column(obj: SocialAction | Reward):
    """The person, with a column header in the reader's language."""
    return obj.user


@admin.display(description=_("merchant"), ordering="merchant")
def merchant_column(obj: SocialAction | Reward):
    """The merchant, with a column header in the reader's language."""
    return obj.merchant


def fields_in_words(fields: list[str], shown: dict[str, str]) -> list[str]:
    """A page's fields with each stored one in ``shown`` replaced, in its place, by the admin's method
    that reads it in the reader's language (the stored value stays as recorded)."""
    words = set(shown.values())
    return [shown.get(name, name) for name in fields if name not in words]


@admin.register(SocialAction)
class SocialActionAdmin(CampaignNameColumn, ReadOnlyAdmin):
    list_display = (
        "id",
        "occurred_at",
        "action_type",
        user_column,
        merchant_column,
        "campaign_name",
        "status",
        "risk_score",
    )
    list_filter = ("action_type", "status")
    search_fields = ("=id", "key", "user__email", "user__display_name", "merchant__brand_name", "device_id")
    list_select_related = ("user", "merchant", "campaign")
    ordering = ("-id",)

    @admin.display(description=SocialAction._meta.get_field("risk_signals").verbose_name)
    def risk_signals_text(self, obj: SocialAction) -> str:
        # Recorded in English (the engine's audit); read as the review queue writes them.
        return list_text(risk_signal_line(s) for s in obj.risk_signals or []) or "-"

    def get_fields(self, request, obj=None):
        return fields_in_words(super().get_fields(request, obj), {"risk_signals": "risk_signals_text"})


REJECT_HELP = _("Both the person and the brand see it.")


def _each(queryset: QuerySet, reason: str, apply) -> tuple[int, dict[int, str]]:
    done, refused = 0, {}
    for obj in queryset:
        try:
            apply(obj, reason)
            done += 1
        except RewardError as exc:
            refused[obj.pk] = str(exc)
    return done, refused


def _with_reason(
    modeladmin, request: HttpRequest, queryset: QuerySet, *, title: str, apply=None, apply_all=None
) -> TemplateResponse | None:
    """An admin action that asks for a reason on an intermediate page, then applies ``apply`` to each
    row, or ``apply_all`` to them all (it returns how many were done and why some were not, by id)."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST, help_text=REJECT_HELP)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            done, refused = apply_all(queryset, reason) if apply_all else _each(queryset, reason, apply)
            for pk, error in sorted(refused.items()):
                modeladmin.message_user(
                    request, gettext("#%(id)s: %(error)s") % {"id": pk, "error": error}, messages.ERROR
                )
            if done:
                modeladmin.message_user(
                    request,
                    ngettext("%(title)s: %(count)s done.", "%(title)s: %(count)s done.", done)
                    % {"title": title, "count": done},
                    messages.SUCCESS,
                )
            return None
    else:
        form = ReasonForm(help_text=REJECT_HELP)
    return TemplateResponse(
        request,
        "admin/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _reversed_count(result: RewardsReversed) -> tuple[int, dict[int, str]]:
    # Every reward reversed counts, a share's engagement rewards that went with it included.
    return len(result.rewards), result.refused


@admin.register(Reward)
class RewardAdmin(CampaignNameColumn, ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        user_column,
        merchant_column,
        "kind",
        "status",
        "merchant_price_text",
        "user_amount_text",
        "available_at",
        "reason_text",
    )
    list_filter = ("status", "kind", "currency", "action_type")
    merchant_price_text = money_column("merchant_price", Reward)
    user_amount_text = money_column("user_amount", Reward)
    search_fields = ("=id", "user__email", "user__display_name", "merchant__brand_name", "reason")
    list_select_related = ("user", "merchant")
    ordering = ("-id",)
    actions = ["approve_held", "reject_held", "reverse", "ban_users"]

    @admin.display(description=Reward._meta.get_field("reason").verbose_name)
    def reason_text(self, obj: Reward) -> str:
        # As the console shows it: the engine's own sentences in the reader's language ("Held for
        # review: unusual activity."), a reason ops typed as written.
        return reward_reason_text(obj.reason)

    @admin.display(description=Reward._meta.get_field("rule").verbose_name)
    def rule_text(self, obj: Reward) -> str:
        # "Mit TikTok anmelden in <the campaign's name in the reader's language>".
        named = campaign_name_in(get_language(), path="campaign__")
        return str(RewardRule.objects.annotate(campaign_name_read=named).get(pk=obj.rule_id))

    @admin.display(description=Reward._meta.get_field("calculation").verbose_name)
    def calculation_text(self, obj: Reward) -> str:
        # The engine's figures in words and the reader's numbers, as the console lists them
        # (rewards.console.calculation_rows); the JSON stays as recorded (the audit, the API).
        return calculation_table(obj.calculation, obj.currency)

    def get_fields(self, request, obj=None):
        return fields_in_words(
            super().get_fields(request, obj),
            {"reason": "reason_text", "rule": "rule_text", "calculation": "calculation_text"},
        )

    def has_review_permission(self, request) -> bool:
        """Deciding on rewards moves money: it takes the change permission, not just the view one."""
        return request.user.has_perm("rewards.change_reward")

    @admin.action(description=_("Approve held rewards (credit them as pending)"), permissions=["review"])
    def approve_held(self, request, queryset):
        now, done = timezone.now(), 0
        for reward in queryset.filter(status=RewardStatus.HELD):
            try:
                held_reward_approve(reward_id=reward.pk, actor=request.user, now=now)
                done += 1
            except RewardError as exc:
                self.message_user(
                    request, gettext("#%(id)s: %(error)s") % {"id": reward.pk, "error": exc}, messages.ERROR
                )
        self.message_user(
            request,
            ngettext("%(count)s held reward approved.", "%(count)s held rewards approved.", done)
            % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reject held rewards (refund the brand)…"), permissions=["review"])
    def reject_held(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset.filter(status=RewardStatus.HELD),
            title=_("Reject held rewards"),
            apply=lambda r, reason: held_reward_reject(
                reward_id=r.pk, reason=reason, actor=request.user, now=now
            ),
        )

    @admin.action(description=_("Reverse rewards (refund the brand)…"), permissions=["review"])
    def reverse(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Reverse rewards"),
            apply_all=lambda rows, reason: _reversed_count(
                rewards_reverse(
                    reward_ids=rows.values_list("pk", flat=True), reason=reason, actor=request.user, now=now
                )
            ),
        )

    @admin.action(description=_("Ban the people behind these rewards…"), permissions=["review"])
    def ban_users(self, request, queryset):
        now = timezone.now()
        users = {r.user for r in queryset.select_related("user")}
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Ban people"),
            apply=lambda r, reason: (
                r.user in users
                and (
                    users.discard(r.user) or user_ban(user=r.user, reason=reason, actor=request.user, now=now)
                )
            ),
        )


@admin.register(HeldReward)
class HeldRewardAdmin(RewardAdmin):
    """The review queue. Each row and each reward's page has its own Approve and Reject buttons."""

    list_display = (
        "id",
        "created_at",
        user_column,
        merchant_column,
        "kind",
        "merchant_price_text",
        "risk",
        "decide",
    )
    actions = ["approve_held", "reject_held", "ban_users"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=RewardStatus.HELD).select_related("action")

    @admin.display(description=_("risk signals"))
    def risk(self, obj: Reward) -> str:
        signals = obj.action.risk_signals or obj.calculation.get("risk") or []
        return list_text(risk_signal_line(s) for s in signals) or "-"

    @admin.display(description=_("decide"))
    def decide(self, obj: Reward) -> str:
        # The row's buttons submit the list's own form (which carries the CSRF token) to the
        # reward's approve URL; rejecting opens the page that asks for a reason.
        return format_html(
            '<button type="submit" class="button" formaction="{}">{}</button> <a class="button" href="{}">{}</a>',
            reverse("admin:rewards_heldreward_approve", args=[obj.pk]),
            pgettext("held reward", "Approve"),
            reverse("admin:rewards_heldreward_reject", args=[obj.pk]),
            pgettext("held reward", "Reject…"),
        )

    def get_urls(self):
        own = [
            path(
                "<int:reward_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="rewards_heldreward_approve",
            ),
            path(
                "<int:reward_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="rewards_heldreward_reject",
            ),
        ]
        return own + super().get_urls()

    def _queue_url(self) -> str:
        return reverse("admin:rewards_heldreward_changelist")

    def _reward_or_404(self, reward_id: int) -> Reward:
        reward = Reward.objects.select_related("user").filter(pk=reward_id).first()
        if reward is None:
            raise Http404(gettext("No such reward."))
        return reward

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        """A reward decided meanwhile (a second tab, a colleague, the brand closing) has left the queue:
        say what it is now, not Django's "... does not exist. Perhaps it was deleted?"."""
        reward = Reward.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if reward is None:
            return super()._get_obj_does_not_exist_redirect(request, opts, object_id)
        self.message_user(request, not_held_text(reward), messages.WARNING)
        return HttpResponseRedirect(self._queue_url())

    def _decided(self, request: HttpRequest, reward: Reward, exc: RewardError) -> HttpResponseRedirect:
        """A second click (or a colleague) got there first: say what the reward is now, change nothing."""
        self.message_user(
            request,
            gettext("Nothing changed for reward #%(id)s: %(error)s") % {"id": reward.pk, "error": exc},
            messages.WARNING,
        )
        return HttpResponseRedirect(self._queue_url())

    @method_decorator(require_POST)
    def approve_view(self, request: HttpRequest, reward_id: int) -> HttpResponse:
        if not self.has_review_permission(request):
            raise PermissionDenied
        reward = self._reward_or_404(reward_id)
        try:
            reward = held_reward_approve(reward_id=reward.pk, actor=request.user, now=timezone.now())
        except RewardError as exc:
            return self._decided(request, reward, exc)
        self.message_user(
            request,
            gettext("Reward #%(id)s approved: %(amount)s credited to %(person)s as pending.")
            % {
                "id": reward.pk,
                "amount": money_text(reward.user_amount, reward.currency),
                "person": reward.user,
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._queue_url())

    def reject_view(self, request: HttpRequest, reward_id: int) -> HttpResponse:
        if not self.has_review_permission(request):
            raise PermissionDenied
        reward = self._reward_or_404(reward_id)
        if request.method == "POST":
            form = ReasonForm(request.POST, help_text=REJECT_HELP)
            if form.is_valid():
                try:
                    reward = held_reward_reject(
                        reward_id=reward.pk,
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                        now=timezone.now(),
                    )
                except RewardError as exc:
                    return self._decided(request, reward, exc)
                self.message_user(
                    request,
                    gettext("Reward #%(id)s rejected: %(amount)s went back to %(brand)s.")
                    % {
                        "id": reward.pk,
                        "amount": money_text(reward.merchant_price, reward.currency),
                        "brand": reward.merchant,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._queue_url())
        else:
            form = ReasonForm(help_text=REJECT_HELP)
        return reason_page(
            request,
            self,
            title=_("Reject held reward"),
            objects=[reward],
            form=form,
            cancel_url=reverse("admin:rewards_heldreward_change", args=[reward.pk]),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        reward = Reward.objects.filter(
            pk=object_id if str(object_id).isascii() and str(object_id).isdigit() else None
        ).first()
        extra = dict(extra_context or {})
        if reward is not None:
            extra.update(
                {
                    "can_review": self.has_review_permission(request),
                    "reward": reward,
                    "risk_signals": [
                        {
                            "code": s.get("code", ""),
                            "name": risk_signal_name(s),
                            "detail": risk_signal_text(s),
                        }
                        for s in reward.action.risk_signals or reward.calculation.get("risk") or []
                    ],
                    "shared": people_sharing_devices(user_id=reward.user_id),
                    "person_banned": Ban.objects.filter(user_id=reward.user_id).first(),
                }
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    list_display = ("user", "reason", "banned_by", "banned_at")
    search_fields = ("user__email", "user__display_name", "reason")
    list_select_related = ("user", "banned_by")
    actions = ["lift"]

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("rewards.change_reward")

    @admin.action(description=_("Lift these bans…"), permissions=["review"])
    def lift(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Lift bans"),
            apply=lambda ban, reason: user_unban(user=ban.user, reason=reason, actor=request.user, now=now),
        )


@admin.register(BanEvent)
class BanEventAdmin(ReadOnlyAdmin):
    """The audit trail of bans and their lifts."""

    list_display = ("created_at", "user", "kind", "reason", "actor")
    list_filter = ("kind",)
    search_fields = ("user__email", "user__display_name", "reason")
    list_select_related = ("user", "actor")
    ordering = ("-created_at", "-pk")


@admin.register(ConsumerNotice)
class ConsumerNoticeAdmin(ReadOnlyAdmin):
    """What consumers were told (daily limit, reward available, campaign started), at most once per
    key, and, in words, what became of each (sent, refused, or not known to have arrived)."""

    list_display = ("created_at", "kind", "user", "channel", "sent_at", "outcome")
    list_filter = ("kind", "channel", "uncertainty")
    search_fields = ("key", "user__email", "text")
    readonly_fields = ("outcome",)

    @admin.display(description=_("outcome"))
    def outcome(self, obj: ConsumerNotice) -> str:
        return notice_outcome_text(obj, now=timezone.now())


@admin.register(LaunchWatch)
class LaunchWatchAdmin(ReadOnlyAdmin):
    """People who joined a brand while it had no live campaign, and when they were told one started."""

    list_display = ("created_at", "user", "merchant", "notified_at")
    search_fields = ("user__email", "merchant__brand_name")
