"""Plain forms of the Promote pages (no ModelForm writes money or state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.birth_dates import age_on, birth_date_is_real
from core.i18n import time_zone_label
from promote import selectors, services
from promote.models import Goal, Kind, PromoteOrder
from promote.services import AUTOMATIC_AGES, MINIMUM_AGE, OrderRequest
from wallets.forms import CountField
from wallets.money import Currency


def birth_date_field() -> forms.DateField:
    return forms.DateField(
        label=_("Your birth date"),
        help_text=_("Promote is for people 18 or older."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class _BirthDateChecked(forms.Form):
    """A birth date that would make the person under 18 is asked about once before it is saved: a
    saved birth date can't be changed (only support can), and a slip of the year would shut them out
    of Promote. The form comes back with the question and the date kept in ``birth_date_confirmed``;
    the same date sent again is the answer."""

    birth_date_confirmed = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        born = cleaned.get("birth_date")
        today = timezone.now().date()  # the day the declaration is measured on (promote.views)
        if born is None or not birth_date_is_real(born, today=today) or age_on(born, today) >= MINIMUM_AGE:
            return cleaned  # an unreal date is refused as such by the declaration
        if cleaned.get("birth_date_confirmed") == born.isoformat():
            return cleaned
        self.add_error(
            "birth_date",
            _(
                "By this date you are %(age)s: Promote is for people 18 or older, and a saved birth date "
                "can't be changed. Check it; if it is right, send the form again."
            )
            % {"age": age_on(born, today)},
        )
        data = self.data.copy()
        data[self.add_prefix("birth_date_confirmed")] = born.isoformat()
        self.data = data  # the form shown again carries the question's answer
        return cleaned


class BuyCoinsForm(_BirthDateChecked):
    """``currencies``: the ones this holder can pay in (``selectors.coin_currencies``): no other is offered."""

    coins = CountField(min_value=1, max_value=10_000_000, initial=1000, label=_("Coins"))
    currency = forms.ChoiceField(choices=Currency.choices, label=_("Pay in"))
    # A new one with each form shown: the same form sent twice buys once (services.coins_buy_from_wallet).
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, currencies: list[str], ask_birth_date: bool = False, **kwargs):
        """``ask_birth_date``: a consumer who hasn't said it yet gives it with the first purchase
        (Promote is for people 18 or older: nothing is sold before the age is known)."""
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid4())
        self.fields["currency"].choices = [(c, label) for c, label in Currency.choices if c in currencies]
        if ask_birth_date:
            self.fields["birth_date"] = birth_date_field()
        else:
            del self.fields["birth_date_confirmed"]


class WithdrawForm(forms.Form):
    coins = CountField(min_value=1, max_value=10**12, label=_("Coins to withdraw"))

    def __init__(self, *args, **kwargs):
        # Shown beside the buying form, whose field is "coins" too: ids of its own, so each label
        # names its own field ("Coins to withdraw" pointed at the amount to buy).
        kwargs.setdefault("auto_id", "id_withdraw_%s")
        super().__init__(*args, **kwargs)


class BirthDateForm(_BirthDateChecked):
    birth_date = birth_date_field()


class KindsSelect(forms.Select):
    """The order form's country and goal: each option names the kinds it is for (``data-kinds``: launched
    there, offered for), so the page's script (static/promote/order_form.js) offers only the chosen
    kind's."""

    def __init__(self, *args, kinds: dict[str, set[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value:
            option["attrs"]["data-kinds"] = " ".join(sorted(self.kinds.get(value, ())))
        return option


LIVE_CHOICE = "live:"  # an order form's content choice for a LIVE room: this and the TikTok username


class OrderForm(forms.Form):
    content = forms.ChoiceField(label=_("What to promote"), choices=())
    kind = forms.ChoiceField(choices=Kind.choices, label=_("Kind"))
    goal = forms.ChoiceField(choices=Goal.choices, label=_("Goal"))
    audience_automatic = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Automatic audience"),
        help_text=_("Untick to choose a country and ages."),
    )
    # The countries some kind is launched in, by name (``selectors.launched_country_choices``, set
    # per form); ``clean`` checks the one chosen against the kind's (``services.launched_countries``).
    country = forms.ChoiceField(
        choices=(),
        required=False,
        label=_("Country"),
        help_text=_("Where the promotion is shown when the audience is not automatic."),
        error_messages={"invalid_choice": _("Choose a country from the list.")},
    )
    # ``data-automatic``: the value the page's script sets back while "Automatic audience" is ticked.
    age_min = forms.IntegerField(
        min_value=18,
        max_value=99,
        initial=AUTOMATIC_AGES[0],
        label=_("Ages from"),
        widget=forms.NumberInput(attrs={"data-automatic": AUTOMATIC_AGES[0]}),
    )
    age_max = forms.IntegerField(
        min_value=18,
        max_value=99,
        initial=AUTOMATIC_AGES[1],
        label=pgettext_lazy("age range", "to"),
        widget=forms.NumberInput(attrs={"data-automatic": AUTOMATIC_AGES[1]}),
    )
    budget_coins = CountField(min_value=1, max_value=10**9, initial=1000, label=_("Budget (coins)"))
    duration_days = forms.IntegerField(min_value=1, max_value=30, initial=3, label=_("Duration (days)"))
    commercial_music_declared = forms.BooleanField(
        required=False,
        label=_("The video's music is commercial music (licensed for promotion)"),
        help_text=_("Not asked for a LIVE room."),
    )
    coupon_code = forms.CharField(max_length=32, required=False, label=_("Coupon code"))
    spark_auth_code = forms.CharField(
        max_length=200,
        required=False,
        label=_("Spark Ads authorization code"),
        help_text=_(
            "From TikTok: the post's ... > Ad settings > Generate code (asked when delivery runs on TikTok)."
        ),
    )
    # A new one with each form shown, kept through the estimate: the same form paid twice places
    # one order (services.order_place).
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, content_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid4())
        # Videos and posts first, a LIVE room last: the form's first content and its first kind (Video)
        # agree, so sending it as shown asks for something possible; one with only a LIVE room to
        # promote starts on the kind LIVE.
        choices = sorted(content_choices, key=lambda choice: str(choice[0]).startswith(LIVE_CHOICE))
        self.fields["content"].choices = choices
        country = self.fields["country"]
        country.widget = KindsSelect(kinds=selectors.launched_kinds())
        self.fields["goal"].widget = KindsSelect(
            kinds=selectors.goal_kinds(), choices=self.fields["goal"].choices
        )
        country.choices = [("", _("Choose a country")), *selectors.launched_country_choices()]
        if not self.is_bound and choices and str(choices[0][0]).startswith(LIVE_CHOICE):
            self.initial.setdefault("kind", Kind.LIVE)

    def renew_request_key(self) -> OrderRequest:
        """A new one-time key for the valid form shown again (it already placed an order): the
        order it asks for now, with that key."""
        key = uuid4()
        self.data = self.data.copy()
        self.data[self.add_prefix("request_key")] = str(key)
        self.cleaned_data["request_key"] = key
        return self.order_request()

    def clean(self):
        data = super().clean()
        if data.get("audience_automatic"):
            # An automatic audience has no country and no ages: one chosen with it would be paid for
            # and dropped, so the form says so instead (the page's script hides them while it is ticked).
            ages = (data.get("age_min"), data.get("age_max"))
            chosen_ages = None not in ages and ages != AUTOMATIC_AGES
            if data.get("country") or chosen_ages:
                self.add_error(
                    "audience_automatic",
                    _(
                        "An automatic audience has no country or ages. Untick it to show the promotion "
                        "in the country and to the ages chosen, or choose no country and ages 18 to 65."
                    ),
                )
            data["country"] = ""
        elif "country" in data and data.get("kind") in Kind.values:
            launched = services.launched_countries(kind=data["kind"])
            if not data["country"]:
                self.add_error("country", _("Choose the country to show the promotion in."))
            elif launched and data["country"] not in launched:
                self.add_error(
                    "country",
                    services.not_launched_text(kind=data["kind"], country=data["country"], launched=launched),
                )
        if data.get("age_min") and data.get("age_max") and data["age_min"] > data["age_max"]:
            self.add_error("age_max", _("The oldest age is at least the youngest."))
        return data

    def order_request(self) -> OrderRequest:
        """The valid form as the order it asks for. ``content`` is a choice of ``content_choices``:
        ``live:<username>`` a LIVE room, ``v<id>`` a video of the merchant's library, ``p<id>`` or
        ``<id>`` a tracked post."""
        data = self.cleaned_data
        content = data["content"]
        live_room = content.removeprefix(LIVE_CHOICE) if content.startswith(LIVE_CHOICE) else ""
        if live_room:
            content = ""
        return OrderRequest(
            kind=data["kind"],
            goal=data["goal"],
            budget_coins=data["budget_coins"],
            duration_days=data["duration_days"],
            commercial_music_declared=data["commercial_music_declared"],
            audience_automatic=data["audience_automatic"],
            country=data["country"],
            age_min=data["age_min"],
            age_max=data["age_max"],
            video_id=int(content[1:]) if content.startswith("v") else None,
            tracked_post_id=int(content.removeprefix("p")) if content and content[0] != "v" else None,
            live_room=live_room,
            coupon_code=data["coupon_code"],
            spark_auth_code=data["spark_auth_code"],
            request_key=data["request_key"],
        )


class ResubmitForm(forms.Form):
    commercial_music_declared = forms.BooleanField(
        required=True, label=_("The video's music is commercial music (licensed for promotion)")
    )


class MerchantCouponForm(forms.Form):
    """A merchant gives one of its consumers a coupon (paid from the merchant's coins).

    The consumer is searched (``consumer_search``: the console's page and its JSON), never listed
    whole, each offered by the id the brand knows them by (``merchants.consumer_ids``, ``con_...``,
    as in the API: never their user id); ``find_person`` reads the one posted back and checks them
    (an active consent to this merchant)."""

    consumer = forms.CharField(
        max_length=32,
        widget=forms.Select,
        label=_("For"),
        help_text=_("People who agreed to share with your brand: search them by what they shared."),
        error_messages={"required": _("Choose the consumer who gets the coupon.")},
    )
    coins = CountField(min_value=1, max_value=10**9, initial=100, label=_("Worth (coins)"))
    # Read and shown in the active time zone: the console's, the merchant's (docs/i18n.md).
    valid_from = forms.DateTimeField(
        label=_("Valid from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    kind = forms.ChoiceField(
        choices=[("", _("any kind")), *Kind.choices], required=False, label=_("Only for promotions of")
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        required=False,
        help_text=_("Letters, digits or dashes; blank: one is made for you."),
    )

    def __init__(self, *args, consumer_choices: list[tuple[str, str]], find_person: Callable, **kwargs):
        super().__init__(*args, **kwargs)
        self.find_person = find_person
        self.person = None
        self.fields["consumer"].widget.choices = [("", _("Choose the consumer")), *consumer_choices]
        self.fields["valid_until"].help_text = _("In your brand's time zone, %(zone)s.") % {
            "zone": time_zone_label(timezone.get_current_timezone_name())
        }

    def clean_consumer(self) -> str:
        ref = self.cleaned_data["consumer"]
        self.person = self.find_person(ref)
        if self.person is None:
            raise forms.ValidationError(
                _("Choose one of the people who agreed to share with your brand: search them above.")
            )
        return ref

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if code and not code.replace("-", "").isalnum():
            raise forms.ValidationError(_("A coupon code is letters, digits or dashes."))
        return code

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_until") and data["valid_from"] >= data["valid_until"]:
            self.add_error("valid_until", _("A coupon's validity ends after it starts."))
        return data


@dataclass
class OrderSubmission:
    """What a valid order form sent by its holder came to (``OrderForm.submit``): the ``order`` paid
    (None: nothing placed; the form shows ``quote``, its reasons added as the form's errors), and
    ``form_used_for``, the order this form's key already placed when it came back changed."""

    quote: services.OrderQuote
    order: PromoteOrder | None = None
    form_used_for: PromoteOrder | None = None


def order_titles(form: forms.Form, *, live: str, other: str) -> dict[str, str]:
    """The order page's title for what is promoted as the form stands (``live`` when its kind is
    LIVE, else ``other``) and both, for the page's script to follow the kind chosen
    (``data-title-live`` / ``data-title-other`` on the form, static/promote/order_form.js)."""
    return {
        "title": live if form["kind"].value() == Kind.LIVE else other,
        "title_live": live,
        "title_other": other,
    }


def order_form_submit(form: OrderForm, *, holder, actor, confirmed: bool, now: datetime) -> OrderSubmission:
    """The order page's POST, the same for a consumer (``promote.views.order_new``) and a merchant
    (``promote.console``): the estimate, or with ``confirmed`` the order paid, once per form.

    A form already paid, sent again for an estimate, gets a new key: what it shows is a new order. The
    same form paid again (a double click, a second tab, the back button) places nothing more: its
    order is the answer. Paid, then sent back changed and paid again: nothing is placed; the form is
    shown again with a new key, saying which order it placed (``form_used_for``)."""
    order_request = form.order_request()
    quote = services.order_quote(holder=holder, request=order_request, now=now)
    form_used_for = None
    if (quote.placed or quote.form_used_for) and not confirmed:
        order_request = form.renew_request_key()
        quote = services.order_quote(holder=holder, request=order_request, now=now)
    elif quote.form_used_for is not None:
        form_used_for = quote.form_used_for
        order_request = form.renew_request_key()
        quote = services.order_quote(holder=holder, request=order_request, now=now)
        confirmed = False
    for reason in quote.reasons:  # shown before paying, not only after clicking Pay
        form.add_error(None, reason)
    if quote.reasons or not confirmed:
        return OrderSubmission(quote=quote, form_used_for=form_used_for)
    try:
        order = quote.placed or services.order_place(
            holder=holder, request=order_request, actor=actor, now=now
        )
    except services.OrderFormUsed as exc:  # placed by this key in the same instant
        order_request = form.renew_request_key()
        quote = services.order_quote(holder=holder, request=order_request, now=now)
        for reason in quote.reasons:  # what stands in the way of the new order, now
            form.add_error(None, reason)
        return OrderSubmission(quote=quote, form_used_for=exc.order)
    except services.NotEligible as exc:
        for reason in exc.reasons:
            form.add_error(None, reason)
    except services.PromoteError as exc:
        form.add_error(None, str(exc))
    else:
        return OrderSubmission(quote=quote, order=order)
    return OrderSubmission(quote=quote, form_used_for=form_used_for)
