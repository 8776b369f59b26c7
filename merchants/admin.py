"""Merchants in the ops admin (/ops/) and in the merchant console (/console/)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from moneyed import Money

from merchants import services
from merchants.console_site import ConsoleModelAdmin, console_site
from merchants.forms import (
    MerchantConsoleForm,
    MerchantOpsLanguageForm,
    TopUpRecordForm,
    TopUpReversalForm,
    TouchpointConsoleForm,
)
from merchants.models import (
    TOUCHPOINT_WEB_KINDS,
    BankTransfer,
    Consent,
    Invitation,
    Membership,
    Merchant,
    Touchpoint,
    TouchpointKind,
)
from merchants.origins import origin_of
from merchants.poster import poster_pdf, touchpoint_landing_url
from merchants.roles import Capability
from merchants.selectors import member_working_keys, top_up_balance_after
from merchants.tenancy import console_can, console_membership
from merchants.wallet import merchant_top_up_confirm, merchant_top_up_record, merchant_top_up_reverse
from wallets.columns import money_column
from wallets.formats import label_text, money_text, number_text

# --- ops (/ops/): staff see everything, read-mostly --------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("user", "role", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Merchant)
class MerchantOpsAdmin(admin.ModelAdmin):
    list_display = ("brand_name", "slug", "country", "currency", "payment_reference", "created_at")
    search_fields = ("brand_name", "slug", "legal_name", "payment_reference", "vat_number")
    list_filter = ("country", "currency")
    form = MerchantOpsLanguageForm
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False  # merchants onboard themselves at /merchants/new/

    def get_readonly_fields(self, request, obj=None):
        # Owners change their details in the console (merchant_update); ops change only the language
        # a merchant is written to in (a Geneva shop set to German by its country).
        return [f.name for f in Merchant._meta.fields if f.name not in ("id", "language")]

    def get_fields(self, request, obj=None):
        return ["language", *self.get_readonly_fields(request, obj)]

    def save_model(self, request, obj, form, change):
        if "language" in form.changed_data:
            services.merchant_language_set(
                merchant=obj, actor=request.user, language=form.cleaned_data["language"]
            )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Touchpoint)
class TouchpointOpsAdmin(admin.ModelAdmin):
    list_display = ("shown_name", "merchant", "kind", "is_active", "public_key")

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def shown_name(self, obj: Touchpoint) -> str:
        # The brand page's default name in the reader's language, as the console lists it.
        return obj.display_name

    list_filter = ("kind", "is_active")
    search_fields = ("name", "merchant__brand_name", "public_key")
    readonly_fields = ("merchant", "kind", "name", "address", "url", "is_active", "public_key", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BankTransfer)
class BankTransferOpsAdmin(admin.ModelAdmin):
    """Received bank transfers. "Add" records one through ``merchant_top_up_record``; rows never change."""

    list_display = (
        "bank_reference",
        "merchant",
        "amount_text",
        "value_date",
        "recorded_by",
        "recorded_at",
        "state_text",
    )
    search_fields = ("bank_reference", "merchant__brand_name", "merchant__payment_reference")
    list_filter = ("currency",)
    readonly_fields = (
        "merchant",
        "amount",
        "currency",
        "bank_reference",
        "value_date",
        "recorded_by",
        "recorded_at",
        "ledger_transaction",
        "confirmed_by",
        "reversed_by",
        "reversed_at",
        "reversal_reason",
        "reversal_transaction",
    )
    actions = ["confirm_selected", "reverse_selected"]
    amount_text = money_column("amount", BankTransfer)

    @admin.display(description=gettext_lazy("State"))
    def state_text(self, obj: BankTransfer) -> str:
        return capfirst(obj.state)

    @admin.action(
        description=gettext_lazy("Confirm the selected large top-ups (a second staff member)"),
        permissions=["add"],
    )
    def confirm_selected(self, request, queryset):
        for record in queryset.order_by("pk"):
            try:
                merchant_top_up_confirm(record_id=record.pk, actor=request.user, now=timezone.now())
            except services.MerchantError as exc:
                messages.error(request, label_text(record, exc))
            else:
                messages.success(request, _("Confirmed and credited: %(top_up)s.") % {"top_up": record})

    @admin.action(
        description=gettext_lazy("Reverse the selected top-ups (a mistake), with a reason"),
        permissions=["add"],
    )
    def reverse_selected(self, request, queryset):
        if "apply" in request.POST:
            form = TopUpReversalForm(request.POST)
            if form.is_valid():
                for record in queryset.order_by("pk"):
                    try:
                        merchant_top_up_reverse(
                            record_id=record.pk,
                            reason=form.cleaned_data["reason"],
                            actor=request.user,
                            now=timezone.now(),
                        )
                    except services.MerchantError as exc:
                        messages.error(request, label_text(record, exc))
                    else:
                        messages.success(request, _("Reversed: %(top_up)s.") % {"top_up": record})
                return None
        else:
            form = TopUpReversalForm()
        return TemplateResponse(
            request,
            "admin/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reverse the selected top-ups"),
                "form": form,
                "queryset": queryset,
                "action": "reverse_selected",
                "opts": self.opts,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TopUpRecordForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                record, created = merchant_top_up_record(
                    merchant=data["payment_reference"],
                    amount=Money(data["amount"], data["currency"]),
                    bank_reference=data["bank_reference"],
                    value_date=data["value_date"],
                    actor=request.user,
                    now=timezone.now(),
                )
            except services.MerchantError as exc:
                form.add_error(None, str(exc))
            else:
                if created and not record.ledger_transaction_id:
                    messages.warning(
                        request,
                        _(
                            "Recorded: %(top_up)s. It is above %(limit)s and is credited "
                            "once a second staff member confirms it (action on the list)."
                        )
                        % {
                            "top_up": record,
                            "limit": money_text(settings.MERCHANT_TOP_UP_CONFIRM_ABOVE, record.currency),
                        },
                    )
                elif created:
                    messages.success(
                        request, _("Recorded: %(top_up)s. The owners were e-mailed.") % {"top_up": record}
                    )
                else:
                    messages.warning(
                        request,
                        _("Already recorded earlier, nothing changed: %(top_up)s.") % {"top_up": record},
                    )
                return redirect("admin:merchants_banktransfer_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a received bank transfer"),
            "form": form,
            "opts": self.opts,
            "confirm_above": number_text(Decimal(settings.MERCHANT_TOP_UP_CONFIRM_ABOVE)),
        }
        return TemplateResponse(
            request, "merchants/ops_top_up_form.html", context, status=400 if form.errors else 200
        )


@admin.register(Invitation)
class InvitationOpsAdmin(admin.ModelAdmin):
    list_display = ("email", "merchant", "role", "created_at", "status")
    search_fields = ("email", "merchant__brand_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- console (/console/): one merchant, permissions by role -------------------------------------


class MerchantConsoleAdmin(ConsoleModelAdmin):
    """The selected merchant's brand and billing details."""

    merchant_path = "pk"
    form = MerchantConsoleForm
    change_capability = Capability.EDIT_BRAND
    list_display = ("brand_name", "slug", "country", "currency", "payment_reference")
    readonly_fields = ("slug", "payment_reference", "brand_page")
    fieldsets = (
        (
            gettext_lazy("Brand"),
            {"fields": ("brand_name", "slug", "logo", "contact_email", "brand_page", "edit_version")},
        ),
        (
            gettext_lazy("Billing (owners)"),
            {
                "fields": (
                    "legal_name",
                    "country",
                    "currency",
                    "vat_number",
                    "billing_address",
                    "billing_postcode",
                    "billing_city",
                    "payment_reference",
                    "low_balance_threshold",
                    "time_zone",
                    "language",
                )
            },
        ),
    )

    @admin.display(description=gettext_lazy("Brand page"))
    def brand_page(self, obj: Merchant) -> str:
        url = reverse("brand:landing", kwargs={"slug": obj.slug})
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            url,
            url,
            reverse("console:brand_poster"),  # registered by rewards.brand_poster
            _("A4 poster (PDF)"),
            reverse("console:brand_qr"),
            _("QR code (SVG)"),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if not console_can(request, Capability.MANAGE_BILLING):
            readonly += sorted(services.BILLING_FIELDS)
        return readonly

    def save_model(self, request, obj, form, change):
        merchant = Merchant.objects.get(pk=obj.pk)
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "edit_version"}
        services.merchant_update(
            merchant=merchant,
            actor=request.user,
            changes=changes,
            expected_version=form.cleaned_data.get("edit_version"),
        )


def _widget_where(touchpoint: Touchpoint) -> str | None:
    """Where the widget may open for this website: its origin, as the browser sends it (None: no origin)."""
    origin = origin_of(touchpoint.url or "")
    if origin is None:
        return None
    if not touchpoint.is_active and not _origin_active_elsewhere(touchpoint, origin):
        return _("The widget opens on no page of %(origin)s while this touchpoint is inactive.") % {
            "origin": origin
        }
    # active, or inactive beside an active website at the same origin (the widget opens there: the
    # origins are the active web touchpoints', api.selectors.widget_origins)
    return _("The widget may open on the pages of %(origin)s.") % {"origin": origin}


def _origin_active_elsewhere(touchpoint: Touchpoint, origin: str) -> bool:
    others = Touchpoint.objects.filter(
        merchant_id=touchpoint.merchant_id, is_active=True, kind__in=TOUCHPOINT_WEB_KINDS
    ).exclude(pk=touchpoint.pk)
    return any(origin_of(url) == origin for url in others.values_list("url", flat=True))


def _widget_unusable() -> str:
    return _("The widget can't open on this address: give the website's address, e.g. https://shop.example.")


class TouchpointConsoleAdmin(ConsoleModelAdmin):
    form = TouchpointConsoleForm
    add_capability = Capability.MANAGE_TOUCHPOINTS
    change_capability = Capability.MANAGE_TOUCHPOINTS
    list_display = ("shown_name", "kind", "is_active", "public_key", "poster")
    list_display_links = ("shown_name",)
    list_filter = ("kind", "is_active")
    search_fields = ("name", "address", "url")
    readonly_fields = ("public_key", "landing_link", "poster", "widget", "widget_unlinked")
    export_fields = ("shown_name", "kind", "is_active", "address", "url", "public_key")

    def get_fields(self, request, obj=None):
        base = ["kind", "name", "address", "url", "is_active"]
        if obj is None:
            return base
        shown = [*base, "public_key", "landing_link", "poster"]
        if obj.kind not in TOUCHPOINT_WEB_KINDS:
            return shown
        # The widget's tag is on the API keys page, which only owners open: a link for them, words for others.
        return [*shown, "widget" if console_can(request, Capability.MANAGE_API) else "widget_unlinked"]

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def shown_name(self, obj: Touchpoint) -> str:
        return obj.display_name

    @admin.display(description=gettext_lazy("Landing page with this touchpoint's key"))
    def landing_link(self, obj: Touchpoint) -> str:
        url = touchpoint_landing_url(touchpoint=obj)
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description=gettext_lazy("Website widget"))
    def widget(self, obj: Touchpoint) -> str:
        where = _widget_where(obj)
        if where is None:
            return _widget_unusable()
        return format_html(
            '{} <a href="{}">{}</a>',
            where,
            reverse("console:api_keys"),
            _("Its tag, with your publishable key, is on the API keys page."),
        )

    @admin.display(description=gettext_lazy("Website widget"))
    def widget_unlinked(self, obj: Touchpoint) -> str:
        where = _widget_where(obj)
        if where is None:
            return _widget_unusable()
        return format_html("{} {}", where, _("An owner can copy its tag from the API keys page."))

    @admin.display(description=gettext_lazy("Poster"))
    def poster(self, obj: Touchpoint) -> str:
        if obj.kind != TouchpointKind.RETAIL_STORE:
            return "-"
        url = reverse("console:merchants_touchpoint_poster", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("A4 poster (PDF)"))

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/poster.pdf",
                self.admin_site.admin_view(self.poster_view),
                name="merchants_touchpoint_poster",
            )
        ]
        return urls + super().get_urls()

    def poster_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        touchpoint = self.get_queryset(request).select_related("merchant").filter(pk=object_id).first()
        if touchpoint is None or not self.has_view_permission(request, touchpoint):
            raise Http404(_("No such touchpoint."))
        if touchpoint.kind != TouchpointKind.RETAIL_STORE:
            raise Http404(_("Posters are for retail stores."))
        response = HttpResponse(poster_pdf(touchpoint=touchpoint), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="tikjoy-poster-{touchpoint.public_key}.pdf"'
        return response

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("kind", "name", "address", "url", "is_active")}
        if change:
            changes = {name: data[name] for name in form.changed_data if name in data}
            touchpoint = Touchpoint.objects.select_related("merchant").get(pk=obj.pk)
            services.touchpoint_update(touchpoint=touchpoint, actor=request.user, changes=changes)
        else:
            merchant = Merchant.objects.get(pk=self._merchant_id(request))
            created = services.touchpoint_create(merchant=merchant, actor=request.user, **data)
            obj.pk, obj.merchant = created.pk, merchant  # the admin's redirect and log entry need them

    def _merchant_id(self, request) -> int:
        return console_membership(request).merchant_id


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class MembershipConsoleAdmin(ConsoleModelAdmin):
    """The team. Owners change roles and remove members; new members come by invitation."""

    form = MembershipRoleForm
    change_capability = Capability.MANAGE_TEAM
    delete_capability = Capability.MANAGE_TEAM
    list_display = ("member", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__display_name")
    readonly_fields = ("member", "created_at")
    fields = ("member", "role", "created_at")
    export_fields = ("member", "role", "created_at")

    @admin.display(description=gettext_lazy("Member"), ordering="user__email")
    def member(self, obj: Membership) -> str:
        return str(obj.user)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "merchant")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            self._warn_of_keys(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "GET":
            self._warn_of_keys(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def _warn_of_keys(self, request, object_id) -> None:
        """Before an owner's role is changed or they are removed: the secret API keys they made stop
        working at once (a key works while its creator may make keys), so the merchant's systems
        that use them would stop."""
        membership = (
            self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        )
        count = member_working_keys(membership=membership, now=timezone.now()) if membership else 0
        if count:
            messages.warning(
                request,
                ngettext(
                    "%(count)s secret API key made by %(member)s works only while they are an owner. If "
                    "they get another role or leave the team, it stops working at once: make a new key for "
                    "your systems first (API keys).",
                    "%(count)s secret API keys made by %(member)s work only while they are an owner. If "
                    "they get another role or leave the team, they stop working at once: make new keys for "
                    "your systems first (API keys).",
                    count,
                )
                % {"member": membership.user, "count": count},
            )

    def save_model(self, request, obj, form, change):
        membership = Membership.objects.select_related("merchant").get(pk=obj.pk)
        services.membership_change_role(
            membership=membership, actor=request.user, role=form.cleaned_data["role"]
        )

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("merchant"):
            services.membership_remove(membership=membership, actor=request.user)


class InvitationConsoleForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role"]


class InvitationConsoleAdmin(ConsoleModelAdmin):
    """Invitations sent. "Add" sends one; a pending one can be withdrawn."""

    form = InvitationConsoleForm
    add_capability = Capability.MANAGE_TEAM
    list_display = ("email", "role", "created_at", "status")
    search_fields = ("email",)
    actions = ["export_csv", "withdraw"]
    export_fields = ("email", "role", "created_at", "status")

    def get_fields(self, request, obj=None):
        return ["email", "role"] if obj is None else ["email", "role", "created_at", "status"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["email", "role", "created_at", "status"]

    def save_model(self, request, obj, form, change):
        merchant = Merchant.objects.get(pk=self._merchant_id(request))
        # An invitation still open to the address is renewed, not added: the page says so instead of
        # Django's "was added successfully" (``message_user``).
        request.invitation_renewed = services.open_invitations(
            merchant=merchant, email=form.cleaned_data["email"]
        ).exists()
        invitation = services.invitation_create(
            merchant=merchant,
            actor=request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            now=timezone.now(),
        )
        # The address as stored (lowercased, trimmed): the console's confirmation names the one it went to.
        obj.pk, obj.merchant, obj.created_at = invitation.pk, merchant, invitation.created_at
        obj.email = invitation.email
        if request.invitation_renewed:
            messages.success(
                request,
                _(
                    "An invitation to %(email)s was open already: we e-mailed its link again, as %(role)s, "
                    "valid from now. No second invitation was added."
                )
                % {"email": invitation.email, "role": invitation.get_role_display()},
            )
            return
        messages.info(
            request, _("We e-mailed an invitation link to %(email)s.") % {"email": invitation.email}
        )

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS and getattr(request, "invitation_renewed", False):
            return None  # Django's "was added successfully": nothing was added (``save_model`` says what was)
        return super().message_user(request, message, level, *args, **kwargs)

    def _merchant_id(self, request) -> int:
        return console_membership(request).merchant_id

    @admin.action(description=gettext_lazy("Withdraw selected invitations"), permissions=["withdraw"])
    def withdraw(self, request, queryset):
        now = timezone.now()
        for invitation in queryset.filter(accepted_at=None, revoked_at=None).select_related("merchant"):
            services.invitation_revoke(invitation=invitation, actor=request.user, now=now)
        messages.success(request, _("The selected invitations were withdrawn."))

    def has_withdraw_permission(self, request):
        return console_can(request, Capability.MANAGE_TEAM)


class BankTransferConsoleAdmin(ConsoleModelAdmin):
    """Top-ups received for this merchant (read-only: ops record them), each with a printable receipt."""

    list_display = (
        "bank_reference",
        "amount_text",
        "value_date",
        "state_text",
        "recorded_at",
        "credited_at",
        "receipt",
    )
    list_filter = ("currency", "value_date")
    fields = (
        "bank_reference",
        "amount",
        "currency",
        "value_date",
        "recorded_at",
        "state_text",
        "credited_at_text",
        "receipt",
    )
    readonly_fields = fields
    search_fields = ("bank_reference",)
    ordering = ("-recorded_at", "-pk")
    export_fields = (
        "bank_reference",
        "amount",
        "currency",
        "value_date",
        "recorded_at",
        "state_text",
        "credited_at",
    )

    @admin.display(description=gettext_lazy("Amount"), ordering="amount")
    def amount_text(self, obj: BankTransfer) -> str:
        return money_text(obj.amount, obj.currency)

    @admin.display(description=gettext_lazy("State"))
    def state_text(self, obj: BankTransfer) -> str:
        return capfirst(obj.state)

    @admin.display(description=gettext_lazy("Credited on"), empty_value="—")
    def credited_at(self, obj: BankTransfer) -> datetime | None:
        """When the money reached the wallet (its ledger posting): none while a large top-up waits for
        a second staff member."""
        return obj.ledger_transaction.created_at if obj.ledger_transaction_id else None

    @admin.display(description=gettext_lazy("Credited on"))
    def credited_at_text(self, obj: BankTransfer) -> str:
        """``credited_at`` on the detail page, in the merchant's zone (a read-only method's value is
        printed as it is returned)."""
        credited = self.credited_at(obj)
        return date_format(timezone.localtime(credited), "DATETIME_FORMAT") if credited else "—"

    @admin.display(description=gettext_lazy("Receipt"))
    def receipt(self, obj: BankTransfer) -> str:
        if obj.pk is None or obj.ledger_transaction_id is None:
            return "-"
        url = reverse("console:merchants_banktransfer_receipt", kwargs={"object_id": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("Receipt"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("merchant", "ledger_transaction")

    def get_urls(self):
        receipt = path(
            "<path:object_id>/receipt/",
            self.admin_site.admin_view(self.receipt_view),
            name="merchants_banktransfer_receipt",
        )
        return [receipt, *super().get_urls()]

    def receipt_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A printable receipt of one credited top-up: bank reference, value date, amount, balance after."""
        transfer = self.get_object(request, object_id)
        if transfer is None or not self.has_view_permission(request, transfer):
            raise Http404(_("No such top-up in this merchant."))
        if transfer.ledger_transaction_id is None:
            raise Http404(_("This top-up is not credited yet: its receipt comes once it is."))
        balance_after = top_up_balance_after(transfer=transfer)
        return TemplateResponse(
            request,
            "console/top_up_receipt.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Receipt for top-up %(reference)s") % {"reference": transfer.bank_reference},
                "transfer": transfer,
                "merchant": transfer.merchant,
                "amount": money_text(transfer.amount, transfer.currency),
                "balance_after": money_text(balance_after) if balance_after else "",
                "receipt_number": f"TJ-TOPUP-{transfer.pk:06d}",
            },
        )


console_site.register(Merchant, MerchantConsoleAdmin)
console_site.register(BankTransfer, BankTransferConsoleAdmin)
console_site.register(Touchpoint, TouchpointConsoleAdmin)
console_site.register(Membership, MembershipConsoleAdmin)
console_site.register(Invitation, InvitationConsoleAdmin)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Read-only history for ops: consumers give and withdraw consent themselves."""

    list_display = ("user", "merchant", "given_at", "withdrawn_at", "text_version", "page")
    list_filter = ("withdrawn_at", "text_version")
    search_fields = ("user__email", "user__display_name", "user__phone", "merchant__brand_name")
    list_select_related = ("user", "merchant")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
