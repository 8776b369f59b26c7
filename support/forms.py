"""The forms a person fills: a new support request and a reply. Plain forms; the services write."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from support.models import AFFILIATE_PAGES, BODY_MAX, MERCHANT_PAGES, PAGE_MAX, SUBJECT_MAX, Topic
from wallets.formats import money_text, number_text

NONE = ""


class FormAudience:
    """Whom the new-request form speaks to, read from the page it was opened from: a merchant (the
    console, Help for brands) and an affiliate (the affiliate pages, Help for affiliates) formally,
    everyone else informally (docs/support.md)."""

    CONSUMER = "consumer"
    MERCHANT = "merchant"
    AFFILIATE = "affiliate"

    HELP_URL_NAMES = {
        CONSUMER: "support:help",
        MERCHANT: "support:help_merchants",
        AFFILIATE: "support:help_affiliates",
    }


def form_audience(page: str, *, merchant_member: bool, affiliate: bool = False) -> str:
    """``page``: where the form was opened from. From the support pages themselves, or from nowhere
    known (typed in, a bookmark), the person's role decides, as on their list of requests: a member
    of a merchant's team is a merchant, else an affiliate is an affiliate."""
    by_role = not page or page.startswith("/support/")
    if page.startswith(MERCHANT_PAGES) or (by_role and merchant_member):
        return FormAudience.MERCHANT
    if page.startswith(AFFILIATE_PAGES) or (by_role and affiliate):
        return FormAudience.AFFILIATE
    return FormAudience.CONSUMER


def safe_page(value: str | None) -> str:
    """A path on this site (``/wallet/?page=2``), never another site's address: anything else is dropped."""
    value = (value or "").replace("\x00", "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return ""
    return value[:PAGE_MAX]


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def reward_label(reward) -> str:
    return gettext("%(date)s · %(brand)s · %(amount)s · %(status)s") % {
        "date": _when(reward.created_at),
        "brand": reward.merchant.brand_name,
        "amount": money_text(reward.user_money),
        "status": reward.get_status_display(),
    }


def payout_label(payout) -> str:
    return gettext("%(date)s · %(amount)s · %(state)s · reference %(reference)s") % {
        "date": _when(payout.requested_at),
        "amount": money_text(payout.money),
        "state": payout.get_state_display(),
        "reference": payout.end_to_end_id,
    }


SUBJECT_TOO_LONG = _("The subject can have at most %(limit)s characters (it has %(count)s).")
MESSAGE_TOO_LONG = _("The message can have at most %(limit)s characters (it has %(count)s).")


def _within(text: str, limit: int, too_long) -> str:
    """``text`` if it fits, else a form error with both figures as the language writes numbers."""
    if len(text) > limit:
        raise forms.ValidationError(too_long % {"limit": number_text(limit), "count": number_text(len(text))})
    return text


class _Keyed(forms.Form):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_submission_key(self) -> str:
        key = self.cleaned_data["submission_key"]
        if not key.replace("-", "").replace("_", "").isalnum():
            raise forms.ValidationError(_("This form has expired. Reload the page and send it again."))
        return key


class SupportRequestForm(_Keyed):
    """``user`` is None for a visitor (who must give an e-mail address). Rewards, payouts and brands
    are offered from the person's own records only; any other id is "not one of the choices".
    ``formal``: the form speaks to a merchant or an affiliate (``form_audience``), formally."""

    topic = forms.ChoiceField(label=_("What is it about?"), choices=Topic.choices)
    subject = forms.CharField(label=_("Subject"))
    message = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, what you expected, and anything you already tried."),
    )
    email = forms.EmailField(label=_("Your e-mail address"), required=False, max_length=254)
    merchant = forms.ChoiceField(label=_("Which of your brands?"), required=False)
    reward = forms.ChoiceField(label=_("Which reward?"), required=False)
    payout = forms.ChoiceField(label=_("Which payout?"), required=False)
    page = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, user=None, rewards=(), payouts=(), merchants=(), formal=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if formal:
            self.fields["message"].label = pgettext_lazy("to a merchant", "Your message")
            self.fields["message"].help_text = pgettext_lazy(
                "to a merchant", "What happened, what you expected, and anything you already tried."
            )
            self.fields["email"].label = pgettext_lazy("to a merchant", "Your e-mail address")
            self.fields["merchant"].label = pgettext_lazy("to a merchant", "Which brand?")
        # The limit is said, and checked on the server (clean_*): a browser's maxlength would cut a
        # pasted text silently (keeping the first 5,000 characters without a word). Its figures are
        # written as the rest of the site writes numbers ("5.000" in Spanish, "5 000" in French).
        self.fields["message"].help_text = "{} {}".format(
            self.fields["message"].help_text,
            gettext("Up to %(limit)s characters.") % {"limit": number_text(BODY_MAX)},
        )
        self._rewards = {str(r.pk): r for r in rewards}
        self._payouts = {str(p.pk): p for p in payouts}
        self._merchants = {str(m.pk): m for m in merchants}
        self.fields["reward"].choices = [(NONE, pgettext_lazy("reward", "None in particular"))] + [
            (str(r.pk), reward_label(r)) for r in rewards
        ]
        self.fields["payout"].choices = [(NONE, pgettext_lazy("payout", "None in particular"))] + [
            (str(p.pk), payout_label(p)) for p in payouts
        ]
        self.fields["merchant"].choices = [(NONE, pgettext_lazy("brand", "None in particular"))] + [
            (str(m.pk), m.brand_name) for m in merchants
        ]
        if user is None:
            self.fields["email"].required = True
            self.fields["email"].help_text = (
                pgettext_lazy("to a merchant", "We answer you there.")
                if formal
                else _("We answer you there.")
            )
            for name in ("merchant", "reward", "payout"):
                del self.fields[name]
        else:
            if user.email:
                del self.fields["email"]
            else:
                self.fields["email"].help_text = (
                    pgettext_lazy(
                        "to a merchant",
                        "Optional: we tell you there when we answer. You also see our answers on this site.",
                    )
                    if formal
                    else _(
                        "Optional: we tell you there when we answer. You also see our answers on this site."
                    )
                )
            if not rewards:
                del self.fields["reward"]
            if not payouts:
                del self.fields["payout"]
            if not merchants:
                del self.fields["merchant"]
                if not formal:
                    # A signed-in person on no brand's team, writing from the consumer's pages: "My brand,
                    # campaigns and console" is not theirs (a signed-out visitor may be a merchant: kept).
                    self.fields["topic"].choices = [c for c in Topic.choices if c[0] != Topic.MERCHANT]

    def clean_page(self) -> str:
        return safe_page(self.cleaned_data.get("page"))

    def clean_subject(self) -> str:
        return _within(self.cleaned_data["subject"], SUBJECT_MAX, SUBJECT_TOO_LONG)

    def clean_message(self) -> str:
        return _within(self.cleaned_data["message"], BODY_MAX, MESSAGE_TOO_LONG)

    def chosen(self, name: str):
        value = self.cleaned_data.get(name) or NONE
        return {"reward": self._rewards, "payout": self._payouts, "merchant": self._merchants}[name].get(
            value
        )


class ReplyForm(_Keyed):
    """``formal``: the request is a merchant's (``SupportRequest.for_merchant``)."""

    message = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, formal=False, **kwargs):
        super().__init__(*args, **kwargs)
        if formal:
            self.fields["message"].label = pgettext_lazy("to a merchant", "Your answer")

    def clean_message(self) -> str:
        return _within(self.cleaned_data["message"], BODY_MAX, MESSAGE_TOO_LONG)


class HelpSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the help"), required=False, max_length=200)
