"""Promote in /ops/: the review queue (approve, reject with a reason from the fixed list), coupons,
the matrix of kinds, goals and launched countries, coin prices; coins read-only.

Every button calls one service of ``promote.services`` per row; the ledger records each movement.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.admin import ListAtScaleMixin, ReadOnlyAdmin, ReasonForm, SearchBy
from core.i18n import collation_key, country_choices, country_codes, country_label, country_name
from promote import services
from promote.models import (
    CoinPrice,
    CoinPurchase,
    CoinWallet,
    CoinWithdrawal,
    Coupon,
    Kind,
    KindGoal,
    LaunchedCountry,
    PromoteOrder,
    RejectReason,
)
from wallets.columns import money_column


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        choices=RejectReason.choices, label=_("Reason"), help_text=_("The person sees it.")
    )


def _each(modeladmin, request, queryset, apply, title: str) -> None:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            apply(obj)
            done += 1
        except services.PromoteError as exc:
            modeladmin.message_user(
                request, gettext("%(order)s: %(error)s") % {"order": obj, "error": exc}, messages.ERROR
            )
    if done:
        modeladmin.message_user(request, title % {"count": done}, messages.SUCCESS)


@admin.register(PromoteOrder)
class PromoteOrderAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "content",
        "kind",
        "goal",
        "status",
        "budget_coins",
        "coupon_coins",
        "consumed_coins",
        "returned",
        "submissions",
        "created_at",
    )
    list_filter = ("status", "kind", "goal")
    search_fields = ("content_label", "=id")
    actions = ["approve", "reject"]

    def get_queryset(self, request):
        # ``content_text`` names a library video by its title in the reader's language.
        return super().get_queryset(request).select_related("video").prefetch_related("video__texts")

    @admin.display(
        description=PromoteOrder._meta.get_field("content_label").verbose_name, ordering="content_label"
    )
    def content(self, obj: PromoteOrder) -> str:
        # As the order's own page names it: "TikTok-Video …", "LIVE-Raum von @ivy" (stored in English).
        return obj.content_text

    @admin.display(description=PromoteOrder._meta.get_field("refunded_coins").verbose_name)
    def returned(self, obj: PromoteOrder) -> int:
        # What came back, as the person's and the console's lists say it: a cancelled or rejected
        # order's paid coins, not the settlement's field (0 for them).
        return obj.returned_coins

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve selected orders (delivery starts now)"))
    def approve(self, request, queryset):
        now = timezone.now()
        _each(
            self,
            request,
            queryset,
            lambda o: services.order_approve(order_id=o.pk, actor=request.user, now=now),
            gettext("Approved: %(count)s done."),
        )

    @admin.action(description=_("Reject selected orders (with a reason; the budget goes back)"))
    def reject(self, request: HttpRequest, queryset: QuerySet):
        if "apply" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                now = timezone.now()
                reason = form.cleaned_data["reason"]
                _each(
                    self,
                    request,
                    queryset,
                    lambda o: services.order_reject(
                        order_id=o.pk, reason=reason, actor=request.user, now=now
                    ),
                    gettext("Rejected: %(count)s done."),
                )
                return None
        else:
            form = RejectForm()
        return TemplateResponse(
            request,
            "admin/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Reject promotion orders"),
                "form": form,
                "queryset": queryset,
                "action": request.POST.get("action"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class CouponIssueForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Letters, digits or dashes; people type it in the order form."),
    )
    coins = forms.IntegerField(label=_("Coins"), min_value=1, max_value=10**9)
    valid_from = forms.DateTimeField(label=_("Valid from (UTC)"), help_text=_("e.g. 2026-12-01 00:00"))
    valid_until = forms.DateTimeField(label=_("Valid until (UTC)"))
    kind = forms.ChoiceField(
        label=_("Only for promotions of"), choices=[("", _("any kind")), *Kind.choices], required=False
    )
    user_id = forms.IntegerField(
        required=False, label=_("Only for user #"), help_text=_("Blank: anyone with the code.")
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not code.replace("-", "").isalnum():
            raise forms.ValidationError(_("A coupon code is letters, digits or dashes."))
        if Coupon.objects.filter(code=code).exists():
            raise forms.ValidationError(_("The coupon code %(code)s is taken.") % {"code": code})
        return code

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_until") and data["valid_from"] >= data["valid_until"]:
            self.add_error("valid_until", _("A coupon's validity ends after it starts."))
        if data.get("user_id") and not User.objects.filter(pk=data["user_id"]).exists():
            self.add_error("user_id", _("No such user."))
        return data


def _code_start(term: str) -> str | None:
    """A coupon code, or its start, as stored (capitals): its unique index answers ``LIKE 'X%'``."""
    text = term.strip().upper()
    return text if text and " " not in text else None


@admin.register(Coupon)
class CouponAdmin(ListAtScaleMixin, admin.ModelAdmin):
    """Ops issue coupons here (through ``coupon_issue``); an issued coupon is never edited."""

    list_display = (
        "code",
        "coins",
        "status",
        "kind",
        "user",
        "issued_by_merchant",
        "valid_from",
        "valid_until",
    )
    list_filter = ("status", "kind")
    search_fields = ("code",)
    search_by = (SearchBy("code", how="prefix", normalize=_code_start),)  # the code's start, on its index
    sortable_by = ()  # newest first (the primary key)
    list_select_related = ("user", "issued_by_merchant")  # one query a page, not two a row

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CouponIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                coupon = services.coupon_issue(
                    code=data["code"],
                    coins_count=data["coins"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    kind=data["kind"],
                    user=User.objects.filter(pk=data["user_id"]).first() if data["user_id"] else None,
                    actor=request.user,
                    now=timezone.now(),
                )
            except services.PromoteError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("Issued: %(coupon)s.") % {"coupon": coupon})
                return redirect("admin:promote_coupon_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Issue a coupon"),
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(
            request, "promote/ops_coupon_form.html", context, status=400 if form.errors else 200
        )


@admin.register(KindGoal)
class KindGoalAdmin(admin.ModelAdmin):
    list_display = ("kind", "goal")
    list_filter = ("kind",)


def _launch_country_choices() -> list[tuple[str, str]]:
    # Computed for each form (callable choices): in the reader's language, in its order.
    return [
        ("", "---------"),
        *country_choices(country_codes(), label=lambda code, _name: country_label(code)),
    ]


class LaunchedCountryForm(forms.ModelForm):
    country = forms.ChoiceField(label=capfirst(_("country")), choices=_launch_country_choices)

    class Meta:
        model = LaunchedCountry
        fields = ("kind", "country")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.instance.country
        if code and code not in country_codes():  # a row saved with a code ISO has no more: kept editable
            self.fields["country"].choices = [*self.fields["country"].choices, (code, country_label(code))]


class LaunchedCountryFilter(admin.SimpleListFilter):
    """The countries something is launched in, by name in the reader's language ("Deutschland (DE)")."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = LaunchedCountry.objects.order_by().values_list("country", flat=True).distinct()
        return country_choices(codes, label=lambda code, _name: country_label(code))

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


@admin.register(LaunchedCountry)
class LaunchedCountryAdmin(admin.ModelAdmin):
    form = LaunchedCountryForm
    list_display = ("kind", "country_text")
    list_filter = ("kind", LaunchedCountryFilter)
    search_fields = ("country",)  # and the country's name in the reader's language: get_search_results
    ordering = ("kind", "country")

    @admin.display(description=_("country"), ordering="country")
    def country_text(self, obj: LaunchedCountry) -> str:
        return country_label(obj.country)

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = collation_key(search_term.strip())
        if term:
            named = [code for code in country_codes() if term in collation_key(country_name(code))]
            found = found | queryset.filter(country__in=named)
        return found, duplicates


@admin.register(CoinPrice)
class CoinPriceAdmin(admin.ModelAdmin):
    list_display = ("currency", "pack_coins", "pack_price", "minimum_coins")


@admin.register(CoinWallet)
class CoinWalletAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    sortable_by = ("id",)
    list_display = ("id", "user", "merchant", "currency_column", "backed_coins", "created_at")
    list_select_related = ("user", "merchant")
    fields = ("user", "merchant", "currency_column", "backed_coins", "birth_date", "created_at")
    readonly_fields = ("currency_column",)
    actions = ["forget_birth_date"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                currency_is_set=ExpressionWrapper(CoinWallet.currency_chosen(), output_field=BooleanField())
            )
        )

    @admin.display(description=_("currency"))
    def currency_column(self, wallet: CoinWallet) -> str:
        """The currency, or that none is chosen yet: a wallet opened by a refused purchase (or
        only holding a birth date) is not in dollars because the refused purchase was."""
        if not wallet.currency_is_set:
            return gettext("Not chosen yet (the first purchase chooses it)")
        return wallet.get_currency_display()

    @admin.action(description=_("Forget the declared birth date (support checked it was wrong)"))
    def forget_birth_date(self, request: HttpRequest, queryset: QuerySet):
        if "apply" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                now = timezone.now()
                reason = form.cleaned_data["reason"]

                def forget(wallet):
                    services.birth_date_forget(wallet_id=wallet.pk, now=now)
                    # The history keeps the line in the language the operator wrote the reason in.
                    self.log_change(
                        request, wallet, gettext("Birth date forgotten: %(reason)s") % {"reason": reason}
                    )

                _each(self, request, queryset, forget, gettext("Birth date forgotten: %(count)s done."))
                return None
        else:
            form = ReasonForm(
                help_text=gettext(
                    "What support checked. The person gives the date again with their next purchase."
                )
            )
        return TemplateResponse(
            request,
            "admin/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Forget a declared birth date"),
                "form": form,
                "queryset": queryset,
                "action": request.POST.get("action"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(CoinPurchase)
class CoinPurchaseAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    sortable_by = ("id",)
    list_display = ("id", "wallet", "coins", "amount_text", "source", "created_at")
    amount_text = money_column("amount", CoinPurchase)
    list_select_related = ("wallet__user", "wallet__merchant")  # the wallet's name is its holder's


@admin.register(CoinWithdrawal)
class CoinWithdrawalAdmin(ListAtScaleMixin, ReadOnlyAdmin):
    sortable_by = ("id",)
    list_display = ("id", "wallet", "coins", "amount_text", "created_at")
    amount_text = money_column("amount", CoinWithdrawal)
    list_select_related = ("wallet__user", "wallet__merchant")
