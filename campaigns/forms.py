"""Forms: they validate and explain; the services write. No form here saves a model."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.forms.models import BaseInlineFormSet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from campaigns import services
from campaigns.models import (
    MAX_VIDEOS_PER_MERCHANT,
    ActionType,
    Campaign,
    CampaignText,
    RewardRule,
    UgcStatus,
    UgcSubmission,
    Video,
    VideoText,
)
from merchants.forms import edit_conflict_check
from wallets.formats import number_text
from wallets.forms import CountField, TypedDecimalField

CAMPAIGN_HELP = {
    "name": _("Shown to consumers on your brand page."),
    "starts_at": _("Rewards count from this moment (shares must be posted after it)."),
    "ends_at": _("Optional. After this moment nothing new is rewarded. Must be after the start."),
    "touchpoints": _("Where the campaign runs. None selected: everywhere (brand page, stores, websites)."),
    "budget": _(
        "Optional. The most this campaign may cost you in total; it pauses when spent. "
        "Empty: limited only by your wallet."
    ),
    "hashtag": _("A shared post must carry this hashtag (with or without the #) and/or the @mention below."),
    "mention": _("The account a shared post must @mention, e.g. your TikTok handle."),
    "hold_days": _(
        "Days a reward stays pending before it becomes available to the user (0 to 365). "
        "The post must still be up and its engagement real when the hold ends."
    ),
    "ugc_policy": _("Who may upload their own video for your review."),
    "min_reward": _("Optional. No rule may pay less than this per reward (within the platform's limits)."),
    "max_reward": _("Optional. No rule may pay more than this per reward (within the platform's limits)."),
    "new_user_multiplier": _("Rewards to users new to your brand are multiplied by this (1.00 = unchanged)."),
    "returning_user_multiplier": _("Multiplier for users who already have a confirmed reward from you."),
    "user_daily_cap": _("Optional. The most one user can cost you per day in this campaign."),
    "user_campaign_cap": _("Optional. The most one user can cost you over the whole campaign."),
}

RULE_HELP = {
    "action": "",
    "is_enabled": _("Untick to stop paying for this action."),
    "amount": _(
        "Fixed price you pay per action (logins: once per user, first login with your brand; "
        "shares: when verified)."
    ),
    "per_1000_views": _("Shares only: you pay this per 1,000 views of the shared post."),
    "per_like": _("Shares only: per like the shared post gets."),
    "per_comment": _("Shares only: per comment."),
    "per_share": _("Shares only: per re-share."),
    "max_per_post": _(
        "Shares only: the most one post can earn from engagement (empty: the platform maximum)."
    ),
    "max_rewards": _("Optional. How many rewards of this action the campaign pays in total."),
}


class CampaignConsoleForm(forms.ModelForm):
    """Validates a campaign's own fields; the rules are checked together with it by the inline formset."""

    class Meta:
        model = Campaign
        fields = [
            "name",
            "starts_at",
            "ends_at",
            "touchpoints",
            "budget",
            "hashtag",
            "mention",
            "hold_days",
            "ugc_policy",
            "min_reward",
            "max_reward",
            "new_user_multiplier",
            "returning_user_multiplier",
            "user_daily_cap",
            "user_campaign_cap",
            "language",
        ]
        help_texts = CAMPAIGN_HELP

    currency = "EUR"  # set per request by the console admin
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # the version opened

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["edit_version"].initial = self.instance.version
        if not self.instance.pk:
            # A new campaign is in the merchant's currency: its page says so ("Currency: EUR",
            # "Spent: €0.00") instead of "-" and a bare "0" before the first save.
            self.instance.currency = self.currency

    def _get_validation_exclusions(self):
        # The service's validation (in clean) explains every rule in words; the model's CHECK
        # constraints stay the database's last line and would only repeat it as "Constraint ... is violated".
        return set(super()._get_validation_exclusions()) | set(self.fields)

    def clean_hashtag(self):
        return services.tag_normalize(self.cleaned_data.get("hashtag", ""), "#")

    def clean_mention(self):
        return services.tag_normalize(self.cleaned_data.get("mention", ""), "@")

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in services.CAMPAIGN_FIELDS if name in cleaned}
        try:
            services.campaign_validate(values=values, rules=[], currency=self.currency)
        except services.CampaignInvalid as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        except services.CampaignError as exc:
            self.add_error(None, str(exc))
        edit_conflict_check(self)
        return cleaned


class RewardRuleForm(forms.ModelForm):
    class Meta:
        model = RewardRule
        fields = [
            "action",
            "is_enabled",
            "amount",
            "per_1000_views",
            "per_like",
            "per_comment",
            "per_share",
            "max_per_post",
            "max_rewards",
        ]
        help_texts = RULE_HELP

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a saved rule keeps its action (its counters belong to it)
            self.fields["action"].disabled = True

    def _get_validation_exclusions(self):
        # The formset's clean() explains these in words (see CampaignConsoleForm).
        return set(super()._get_validation_exclusions()) | (set(self.fields) - {"action"})


class RewardRuleFormSet(BaseInlineFormSet):
    """Checks the rules together with the campaign being saved (``self.instance`` holds its new values)."""

    def rules(self) -> list[dict]:
        found = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or not data.get("action") or (not form.has_changed() and form.instance.pk is None):
                continue
            rule = {name: data.get(name) for name in ("action", *services.RULE_FIELDS)}
            rule["rewards_paid"] = form.instance.rewards_paid if form.instance.pk else 0
            found.append(rule)
        return found

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        campaign = self.instance
        values = {name: getattr(campaign, name) for name in services.CAMPAIGN_FIELDS}
        try:
            services.campaign_validate(values=values, rules=self.rules(), currency=campaign.currency or "EUR")
        except services.CampaignInvalid as exc:
            messages = exc.errors.get(None, [])
            if messages:
                raise forms.ValidationError(messages) from exc
        except services.CampaignError as exc:
            raise forms.ValidationError(str(exc)) from exc


class CampaignTextForm(forms.ModelForm):
    class Meta:
        model = CampaignText
        fields = ["language", "name"]

    def _get_validation_exclusions(self):
        # The formset's clean() and the service explain these in words (see CampaignConsoleForm).
        return set(super()._get_validation_exclusions()) | set(self.fields)


class CampaignTextFormSet(BaseInlineFormSet):
    """The campaign's name in other languages; checked together (one per language, not its own)."""

    def texts(self) -> dict[str, str]:
        found = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("language"):
                continue
            found[data["language"]] = (data.get("name") or "").strip()
        return found

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        seen = set()
        own = self.data.get("language") or getattr(self.instance, "language", "")
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("language"):
                continue
            language = data["language"]
            if language in seen:
                raise forms.ValidationError(_("Give each language once."))
            if language == own:
                raise forms.ValidationError(
                    _("The campaign's own name is already in this language: add other languages here.")
                )
            if not (data.get("name") or "").strip():
                form.add_error("name", _("Write the campaign's name in this language."))
            seen.add(language)


class VideoTextForm(forms.ModelForm):
    class Meta:
        model = VideoText
        fields = ["language", "title", "caption"]
        widgets = {"caption": forms.Textarea(attrs={"rows": 2})}

    def _get_validation_exclusions(self):
        # The formset's clean() and the service explain these in words (see CampaignConsoleForm).
        return set(super()._get_validation_exclusions()) | set(self.fields)


class VideoTextFormSet(BaseInlineFormSet):
    """The video's title and caption in other languages; one per language."""

    def texts(self) -> dict[str, tuple[str, str]]:
        found = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("language"):
                continue
            found[data["language"]] = ((data.get("title") or "").strip(), (data.get("caption") or "").strip())
        return found

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("language"):
                continue
            if data["language"] in seen:
                raise forms.ValidationError(_("Give each language once."))
            if not (data.get("title") or "").strip():
                form.add_error("title", _("Write the video's title in this language."))
            seen.add(data["language"])


class VideoConsoleForm(forms.ModelForm):
    tiktok_url = forms.URLField(
        label=_("TikTok URL"),
        required=False,
        assume_scheme="https",
        help_text=_("A TikTok video link, instead of (or as well as) a file."),
    )

    class Meta:
        model = Video
        fields = ["title", "caption", "hashtags", "mentions", "file", "tiktok_url"]

    library_full = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            self.fields["file"].help_text = _(
                "An mp4, mov or webm file of up to %(mb)s MB. Or give a TikTok link."
            ) % {"mb": number_text(settings.VIDEO_MAX_UPLOAD_MB)}
        if "caption" in self.fields:
            self.fields["caption"].widget.attrs["maxlength"] = services.VIDEO_CAPTION_MAX

    def clean_caption(self):
        caption = self.cleaned_data.get("caption") or ""
        try:
            services.video_caption_check(caption=caption)
        except services.VideoInvalid as exc:
            raise forms.ValidationError(str(exc)) from exc
        return caption

    def clean_hashtags(self):
        hashtags = self.cleaned_data.get("hashtags") or ""
        try:
            services.video_hashtags_check(hashtags)
        except services.VideoInvalid as exc:
            raise forms.ValidationError(str(exc)) from exc
        return hashtags

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                services.video_file_check(upload)
            except services.VideoInvalid as exc:
                raise forms.ValidationError(str(exc)) from exc
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and self.library_full:
            raise forms.ValidationError(
                _("Your library holds %(count)s videos, the maximum. Delete one to add another.")
                % {"count": MAX_VIDEOS_PER_MERCHANT}
            )
        if not cleaned.get("file") and not cleaned.get("tiktok_url") and not self.has_error("tiktok_url"):
            # A link that was typed but refused has its own error beside it; this is for neither given.
            raise forms.ValidationError(_("Upload a video file or give a TikTok link."))
        if not self.has_error("caption") and not self.has_error("hashtags"):
            try:  # the caption fits, but with the tags the text to post may not
                services.video_caption_check(
                    caption=cleaned.get("caption") or "",
                    hashtags=cleaned.get("hashtags") or "",
                    mentions=cleaned.get("mentions") or "",
                )
            except services.VideoInvalid as exc:
                self.add_error("caption", str(exc))
        return cleaned


class UgcReviewForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (UgcStatus.APPROVED, _("Approve: it may earn share rewards")),
            (UgcStatus.CHANGES_REQUESTED, _("Request changes (the consumer edits and resubmits)")),
            (UgcStatus.REJECTED, _("Reject for good")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("Required to request changes or reject: the consumer reads it."),
    )

    class Meta:
        model = UgcSubmission
        fields: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") in (UgcStatus.CHANGES_REQUESTED, UgcStatus.REJECTED)
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Tell the consumer why (they will read it)."))
        return cleaned


class UgcSubmitForm(forms.Form):
    file = forms.FileField(label=_("Your video"))
    caption = forms.CharField(
        label=_("Caption"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2200,
        help_text=_("The caption you will post with it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("An mp4, mov or webm file of up to %(mb)s MB.") % {
            "mb": number_text(settings.VIDEO_MAX_UPLOAD_MB)
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            services.video_file_check(upload)
        except services.VideoInvalid as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class UgcResubmitForm(forms.Form):
    file = forms.FileField(label=_("A new video (optional)"), required=False)
    caption = forms.CharField(label=_("Caption"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2200)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                services.video_file_check(upload)
            except services.VideoInvalid as exc:
                raise forms.ValidationError(str(exc)) from exc
        return upload


# What the live rule editor says of a box typed below zero, in the words the save uses (campaigns.services).
QUOTE_BELOW_ZERO = {
    "amount": _("Amounts and rates cannot be below zero."),
    "max_reward": _("A limit cannot be below zero."),
    "new_user_multiplier": _("A multiplier must be more than zero (1.00 = no change)."),
    "returning_user_multiplier": _("A multiplier must be more than zero (1.00 = no change)."),
}


class QuoteForm(forms.Form):
    """The live editor's question: what does this rule cost and pay for the example post?"""

    action = forms.ChoiceField(choices=ActionType.choices, required=False)
    amount = TypedDecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)
    per_1000_views = TypedDecimalField(min_value=0, max_digits=12, decimal_places=4, required=False)
    per_like = TypedDecimalField(min_value=0, max_digits=12, decimal_places=4, required=False)
    per_comment = TypedDecimalField(min_value=0, max_digits=12, decimal_places=4, required=False)
    per_share = TypedDecimalField(min_value=0, max_digits=12, decimal_places=4, required=False)
    max_per_post = TypedDecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)
    # The campaign's fields on the same page: what a new and a returning customer cost.
    new_user_multiplier = TypedDecimalField(min_value=0, max_digits=5, decimal_places=2, required=False)
    returning_user_multiplier = TypedDecimalField(min_value=0, max_digits=5, decimal_places=2, required=False)
    max_reward = TypedDecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)
    views = CountField(min_value=0, max_value=10**10, required=False)
    likes = CountField(min_value=0, max_value=10**9, required=False)
    comments = CountField(min_value=0, max_value=10**9, required=False)
    shares = CountField(min_value=0, max_value=10**9, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each field named as the campaign page labels the box it was typed in (an error says which).
        for name, field in self.fields.items():
            model = (
                Campaign
                if name in ("new_user_multiplier", "returning_user_multiplier", "max_reward")
                else RewardRule
            )
            if name not in ("views", "likes", "comments", "shares"):
                field.label = capfirst(model._meta.get_field(name).verbose_name)
                # A negative amount is a number: say the rule the save applies (``campaign_validate``).
                field.error_messages["min_value"] = QUOTE_BELOW_ZERO.get(name, QUOTE_BELOW_ZERO["amount"])
