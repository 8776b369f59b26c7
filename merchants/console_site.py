"""The merchant console at /console/: a Django ``AdminSite`` of its own, scoped to one merchant.

Every ``ConsoleModelAdmin`` filters its queryset by the merchant selected among
the user's memberships (``merchants.tenancy``) and takes its permissions from
the member's role (``merchants.roles``).

The console is extended one way: each app has a ``console.py`` (imported by
``merchants.apps`` with Django's ``autodiscover_modules``) that registers

- its model pages: ``console_site.register(Model, SomeConsoleModelAdmin)``, with
  ``merchant_path`` the lookup from the model to the merchant's id;
- its own views: ``console_site.register_url("wallet/", view, name="wallet")``;
- its dashboard panels: ``console_site.register_panel(key=..., order=..., template=...,
  context=lambda request, membership: {...})``.

The dashboard knows no app: it renders the registered panels in their order.
"""

from __future__ import annotations

import html
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import label_for_field, lookup_field, unquote
from django.contrib.admin.views.main import (
    ERROR_FLAG,
    IGNORED_PARAMS,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
)
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from core.admin import (
    HTTPS_URL_FIELDS,
    AddedOnceMixin,
    WindowChangeList,
    WindowPaginator,
    action_checkbox_html,
)
from core.errors import DomainError, EditConflict
from core.hardening import formfield_with_db_bounds
from core.i18n import time_zone_for, time_zone_label
from core.spreadsheets import download_name, sheet_dialect, sheet_lines
from merchants.models import Membership, Merchant
from merchants.roles import Capability
from merchants.selectors import PersonSeen, people_seen_by_merchant
from merchants.tenancy import (
    MERCHANT_FIELD,
    console_can,
    console_membership,
    console_notice_lost_selection,
    console_request_merchant_check,
)
from wallets.forms import TypedDecimalField


def typed(db_field, kwargs: dict) -> dict:
    """A decimal column is typed in a text box and read as the reader's language writes numbers
    (``TypedDecimalField``): a number box in Chromium sends "10,50" as "1050", a hundredfold amount
    saved without a word."""
    if isinstance(db_field, models.DecimalField):
        return {"form_class": TypedDecimalField, **kwargs}
    return kwargs


def _in_time_zone(chunks: Iterable[bytes], zone: zoneinfo.ZoneInfo) -> Iterator[bytes]:
    """A streaming response's content (a CSV export) written in the merchant's time zone."""
    with timezone.override(zone):
        yield from chunks


_POST_FORM = re.compile(rb"<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class DashboardPanel:
    """A part of the console's dashboard, contributed by an app."""

    key: str
    order: int
    template: str
    context: Callable[..., dict[str, Any]]
    stylesheet: str = ""
    # The panel's figures as expressions read on the merchant's row (scalar subqueries of the
    # panel's selectors, ``Exists``...): the dashboard reads every panel's in one query and passes
    # each panel its own values (``context(request, membership, figures=...)``).
    figures: Callable[[Merchant, datetime], dict[str, Any]] | None = None


class ConsoleSite(admin.AdminSite):
    site_header = gettext_lazy("TikJoy console")
    site_title = gettext_lazy("TikJoy console")
    index_title = gettext_lazy("Dashboard")
    index_template = "console/index.html"
    # The breadcrumbs' first link names the dashboard as the menu does (``home_label``), not "Home".
    app_index_template = "console/app_index.html"
    password_change_template = "console/password_change_form.html"  # noqa: S105 - a template
    password_change_done_template = "console/password_change_done.html"  # noqa: S105 - a template
    # Every console page carries the console's theme and navigation (templates/admin/base_site.html
    # reads ``console_theme``); /ops/ stays Django's plain admin.
    enable_nav_sidebar = False
    final_catch_all_view = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._extra_urls: list = []
        self._panels: dict[str, DashboardPanel] = {}

    def register_url(self, route: str, view, *, name: str) -> None:
        """A custom console page (the view checks its capability with ``console_view``)."""
        self._extra_urls.append(path(route, self.admin_view(view), name=name))

    def register_panel(
        self,
        *,
        key: str,
        order: int,
        template: str,
        context: Callable[..., dict[str, Any]],
        stylesheet: str = "",
        figures: Callable[[Merchant, datetime], dict[str, Any]] | None = None,
    ) -> None:
        """``context(request, membership)`` gives the panel's template its context; with ``figures``
        (what the panel counts, as expressions on the merchant's row), it is called with
        ``figures=`` their values, read with every other panel's in one query."""
        self._panels[key] = DashboardPanel(key, order, template, context, stylesheet, figures)

    def dashboard_figures(self, merchant: Merchant, *, now: datetime) -> dict[str, dict[str, Any]]:
        """Every panel's figures, read in one query: ``{panel key: {name: value}}``."""
        names, expressions = {}, {}
        for p in self._panels.values():
            for name, expression in (p.figures(merchant, now) if p.figures else {}).items():
                alias = f"figure_{len(expressions)}"
                names[alias], expressions[alias] = (p.key, name), expression
        row = Merchant.objects.filter(pk=merchant.pk).values(**expressions).get() if expressions else {}
        figures: dict[str, dict[str, Any]] = {}
        for alias, value in row.items():
            key, name = names[alias]
            figures.setdefault(key, {})[name] = value
        return figures

    def dashboard_panels(self, request: HttpRequest, membership: Membership) -> list[dict[str, Any]]:
        """The registered panels, in order, each as its template and its context for this member."""
        figures = self.dashboard_figures(membership.merchant, now=timezone.now())
        return [
            {
                "key": p.key,
                "template": p.template,
                "stylesheet": p.stylesheet,
                **(
                    p.context(request, membership, figures=figures.get(p.key, {}))
                    if p.figures is not None
                    else p.context(request, membership)
                ),
            }
            for p in sorted(self._panels.values(), key=lambda p: (p.order, p.key))
        ]

    NAVIGATION = (
        (gettext_lazy("Dashboard"), "index", None),
        (gettext_lazy("Campaigns"), "campaigns_campaign_changelist", "campaigns.campaign"),
        (gettext_lazy("Videos"), "campaigns_video_changelist", "campaigns.video"),
        (gettext_lazy("Rewards"), "rewards_reward_changelist", "rewards.reward"),
        (gettext_lazy("Consumers"), "rewards_reward_consumers", "rewards.reward"),
        (pgettext_lazy("merchant prepaid wallet", "Wallet"), "wallet", None),
        (gettext_lazy("Touchpoints"), "merchants_touchpoint_changelist", "merchants.touchpoint"),
        (gettext_lazy("Team"), "merchants_membership_changelist", "merchants.membership"),
        (gettext_lazy("Diagnostics"), "diagnostics", None),
    )

    def navigation(self, request: HttpRequest) -> list[dict[str, Any]]:
        """The console's main menu: the pages a merchant uses most, each only if registered and
        visible to the member's role; ``current`` marks the page being shown."""
        registered = {model._meta.label_lower: admin for model, admin in self._registry.items()}
        items = []
        for label, name, model_label in self.NAVIGATION:
            if model_label is not None:
                model_admin = registered.get(model_label)
                if model_admin is None or not model_admin.has_module_permission(request):
                    continue
            try:
                url = reverse(f"{self.name}:{name}")
            except NoReverseMatch:  # a page no app registered: not in the menu
                continue
            items.append({"label": label, "url": url, "current": False})
        # The current page: the longest menu URL the path starts with (the dashboard: exactly).
        index_url, best = reverse(f"{self.name}:index"), None
        for item in items:
            if item["url"] == index_url:
                matches = request.path == index_url
            else:
                matches = request.path.startswith(item["url"])
            if matches and (best is None or len(item["url"]) > len(best["url"])):
                best = item
        if best is not None:
            best["current"] = True
        return items

    def get_app_list(self, request: HttpRequest, app_label=None):
        """Django's list of the console's pages, built once a request (the page's context and the
        dashboard's "All pages" both ask for it)."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        if not hasattr(request, "_console_app_list"):
            request._console_app_list = super().get_app_list(request)
        return request._console_app_list

    def has_permission(self, request: HttpRequest) -> bool:
        # Members only: staff without a membership use /ops/, not this site.
        return request.user.is_active and console_membership(request) is not None

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated:
            messages.info(request, _("Create your merchant, or accept an invitation, to use the console."))
            return redirect("merchants:create")
        return redirect_to_login(request.GET.get("next") or reverse("console:index"), "account_login")

    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("account_logout")

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        context["console_theme"] = True
        context["home_label"] = self.index_title  # the breadcrumbs' first link, named as the menu names it
        membership = console_membership(request)
        if membership is not None:
            context["console_membership"] = membership
            context["console_nav"] = self.navigation(request)
            context["site_header"] = _("TikJoy console · %(brand)s") % {
                "brand": membership.merchant.brand_name
            }
            context["site_url"] = reverse("brand:landing", kwargs={"slug": membership.merchant.slug})
            # The zone every time of the page is in (the merchant's, active here), in words: a page that
            # lists times says it once ("Rom (Mitteleuropäische Zeit)").
            context["console_time_zone"] = time_zone_label(timezone.get_current_timezone_name())
        return context

    def admin_view(self, view, cacheable=False):
        return super().admin_view(self._for_one_merchant(view), cacheable)

    def _for_one_merchant(self, view):
        """Every console request acts on the merchant it was made for, or is refused.

        Each POST form of the console carries ``console_merchant`` (added to the page
        here); a POST whose merchant is no longer the selected one (another tab
        switched, or the user left that team) changes nothing and says why.
        """

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and not getattr(view, "console_any_merchant", False):
                refusal = console_request_merchant_check(request)
                if refusal is not None:
                    messages.error(request, refusal)
                    return HttpResponseRedirect(request.get_full_path())
            elif request.method == "GET":
                console_notice_lost_selection(request)
            membership = console_membership(request)
            if membership is None:
                response = view(request, *args, **kwargs)
                return self._carry_merchant(request, response)
            # Times in the console (and its CSV exports and statements) are the merchant's.
            zone = zoneinfo.ZoneInfo(time_zone_for(membership.merchant))
            with timezone.override(zone):
                response = self._carry_merchant(request, view(request, *args, **kwargs))
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
            if response.streaming:
                response.streaming_content = _in_time_zone(response.streaming_content, zone)
            return response

        return wrapper

    def _carry_merchant(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        membership = console_membership(request)
        if membership is None or response.streaming or "html" not in response.get("Content-Type", ""):
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        field = format_html(
            '<input type="hidden" name="{}" value="{}">', MERCHANT_FIELD, membership.merchant_id
        ).encode()
        response.content = _POST_FORM.sub(lambda m: m.group(0) + field, response.content)
        return response

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        """Django's autocomplete, for forward relations of console models only (else a 404)."""
        try:
            model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
            field = model._meta.get_field(request.GET["field_name"])
        except (KeyError, LookupError, ValueError, FieldDoesNotExist):
            raise Http404("No such field to complete.") from None
        if model not in self._registry or not (field.is_relation and field.concrete and field.remote_field):
            raise Http404("This field has no autocomplete.")
        return super().autocomplete_view(request)

    def get_urls(self):
        return list(self._extra_urls) + super().get_urls()

    def index(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        membership = console_membership(request)
        panels = self.dashboard_panels(request, membership)
        stylesheets = list(dict.fromkeys(p["stylesheet"] for p in panels if p["stylesheet"]))
        return super().index(
            request,
            {**(extra_context or {}), "dashboard_panels": panels, "dashboard_stylesheets": stylesheets},
        )

    def app_index(self, request: HttpRequest, app_label: str, extra_context=None) -> HttpResponse:
        """Django's page of an app's lists, headed by the app's name as the menu says it ("Billing"),
        not "Billing administration"."""
        app_list = self.get_app_list(request, app_label)
        heading = {"title": app_list[0]["name"]} if app_list else {}  # none: Django's 404
        return super().app_index(request, app_label, {**heading, **(extra_context or {})})


console_site = ConsoleSite(name="console")


def window_page(request: HttpRequest, queryset, per_page: int, *, param: str = "page"):
    """The page ``request`` asks for (``?page=``) of a console list that is not a model's changelist."""
    page = request.GET.get(param)
    return WindowPaginator(queryset, per_page, page=page).get_page(page)


# Django's admin messages after an add, a change or a deletion, as the console says them. The root
# catalogue says Django's own msgids (templates/django_strings.py) in /ops/' tone, informally and
# without an article or a gender ("Modifica salvata: campagna “…”. Puoi continuare a modificare qui
# sotto."); the console reads the same words formally ("Può …"), in the context "to a merchant"
# (docs/i18n.md). Each pair: Django's msgids (joined by a space, as Django joins them), the console's.
_CONSOLE_ADMIN_MESSAGES = (
    (
        ("The {name} “{obj}” was added successfully.", "You may edit it again below."),
        pgettext_lazy(
            "to a merchant", "The {name} “{obj}” was added successfully. You may edit it again below."
        ),
    ),
    (
        ("The {name} “{obj}” was added successfully. You may add another {name} below.",),
        pgettext_lazy(
            "to a merchant", "The {name} “{obj}” was added successfully. You may add another {name} below."
        ),
    ),
    (
        ("The {name} “{obj}” was changed successfully. You may edit it again below.",),
        pgettext_lazy(
            "to a merchant", "The {name} “{obj}” was changed successfully. You may edit it again below."
        ),
    ),
    (
        ("The {name} “{obj}” was changed successfully. You may add another {name} below.",),
        pgettext_lazy(
            "to a merchant", "The {name} “{obj}” was changed successfully. You may add another {name} below."
        ),
    ),
)
_PLACEHOLDER = re.compile(r"\{(name|obj)\}")


def _console_admin_message(message):
    """``message`` (one of Django's admin messages, as the root catalogue words it for /ops/) in the
    console's formal words; any other message as it is."""
    text = str(message)
    for msgids, formal in _CONSOLE_ADMIN_MESSAGES:
        pattern, seen = [], set()
        for index, part in enumerate(_PLACEHOLDER.split(" ".join(_(msgid) for msgid in msgids))):
            if index % 2 == 0:
                pattern.append(re.escape(part))
            else:
                pattern.append(f"(?P={part})" if part in seen else f"(?P<{part}>.*)")
                seen.add(part)
        found = re.fullmatch("".join(pattern), text, re.DOTALL)
        if found is not None:
            values = found.groupdict()
            if isinstance(message, SafeString):  # Django's format_html escaped the values already
                values = {key: mark_safe(value) for key, value in values.items()}
            return format_html(str(formal), **values)
    return message


class ConsoleChangeList(WindowChangeList):
    """The console's lists (``core.admin.WindowChangeList``: counted only as far as the pages shown,
    sorted by one indexed column with the id in the same direction), with the console's own page
    links, and a title that speaks formally (Django's "Select %s to change" is said in /ops/' tone)."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if self.is_popup:
            title = pgettext("to a merchant", "Select %s")
        elif self.model_admin.has_change_permission(request):
            title = pgettext("to a merchant", "Select %s to change")
        else:
            title = pgettext("to a merchant", "Select %s to view")
        self.title = title % self.opts.verbose_name

    def get_results(self, request):
        super().get_results(request)
        self.console_page_range = (
            list(self.paginator.get_elided_page_range(self.page_num)) if self.multi_page else []
        )


def _no_page(changelist, request) -> None:
    """``ChangeList.get_results`` for an export: the export reads every row itself, so no count of
    the rows (two ``COUNT(*)`` over the whole list) and no page are read before the first byte."""
    changelist.result_list = changelist.queryset.none()
    changelist.result_count = changelist.full_result_count = 0
    changelist.show_full_result_count = changelist.can_show_all = changelist.multi_page = False
    changelist.show_admin_actions = False


def escaped_help_text(formfield):
    """The admin prints help texts as HTML: a help text written as plain text ("/b/<slug>/") is
    escaped so it reads as written (text marked safe on purpose is left alone)."""
    if formfield is not None and formfield.help_text:
        formfield.help_text = conditional_escape(formfield.help_text)
    return formfield


def export_text(value) -> str:
    """A value as a file a merchant downloads writes it: words, not codes (lazy text and choices in
    the active language; Yes/No), a time in the active time zone (the merchant's in the console)
    as ISO 8601 to the second with its offset ("2026-11-30 08:06:05+01:00"), a date as ISO, an
    amount as a plain number ("-0.50"), and no HTML."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(export_text(v) for v in value)
    if hasattr(value, "__html__"):  # format_html's links and markup: their text only
        return html.unescape(strip_tags(str(value)))
    return str(value)


def csv_response(filename: str, header, rows) -> StreamingHttpResponse:
    """A streamed CSV download for a spreadsheet in the reader's language (``core.spreadsheets``):
    ``header`` then each row of the iterable ``rows`` (read lazily). Amounts are passed as ``Decimal``
    so they are written with the reader's decimal mark. ``filename``: ``download_name``'s, the
    pattern of every file a person downloads."""
    lines = sheet_lines(header, rows, dialect=sheet_dialect())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def console_view(capability: Capability):
    """A custom console view that needs ``capability`` (the site already requires a membership)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not console_can(request, capability):
                raise PermissionDenied(_("Your role does not allow this."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def console_render(request: HttpRequest, template: str, context: dict) -> TemplateResponse:
    return TemplateResponse(request, template, {**console_site.each_context(request), **context})


class ConsoleModelAdmin(AddedOnceMixin, admin.ModelAdmin):
    """A console page over a model, scoped to the selected merchant; permissions from the role.

    A capability of ``None`` means nobody may do it in the console.
    """

    merchant_path: str = "merchant_id"
    formfield_overrides = HTTPS_URL_FIELDS
    view_capability: Capability | None = Capability.VIEW
    add_capability: Capability | None = None
    change_capability: Capability | None = None
    delete_capability: Capability | None = None
    actions = ["export_csv"]
    # The CSV's columns (default: the list's); each is headed and written as the list shows it
    # (``export_header``, ``export_value``), except the columns named here, written as stored.
    export_fields: tuple[str, ...] = ()
    export_as_stored: tuple[str, ...] = ("currency",)
    # Newest first unless a page says otherwise; also keeps autocomplete's pages stable.
    ordering = ("-pk",)
    # The foreign key to the consumer a row is about (e.g. "user"): show them with ``person``
    # (in list_display, fields, export_fields), which goes through ``people_seen_by_merchant``
    # so a merchant sees only what the person agreed to share with it. Never show, search or
    # order by the user's own fields on a console page.
    person_field: str | None = None
    # No list is counted whole (see WindowPaginator): the search form shows no "N total".
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return WindowPaginator(
            queryset, per_page, orphans, allow_empty_first_page, page=request.GET.get(PAGE_VAR)
        )

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        membership = console_membership(request)
        queryset = super().get_queryset(request)
        if membership is None:
            return queryset.none()
        return queryset.filter(**{self.merchant_path: membership.merchant_id})

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another merchant's object (or none at all): a plain 404, not the admin's redirect with a message.
        raise Http404("No such object in this merchant.")

    def _owns(self, request: HttpRequest, obj) -> bool:
        """Whether ``obj`` is the selected merchant's: asked once a request per object (a change page
        asks its permissions a dozen times, its inlines too)."""
        if obj is None:
            return True
        owned = request.__dict__.setdefault("_console_owns", {})
        key = (type(self), obj._meta.label, obj.pk)
        if key not in owned:
            owned[key] = self.get_queryset(request).filter(pk=obj.pk).exists()
        return owned[key]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return console_can(request, self.view_capability)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return console_can(request, self.view_capability) and self._owns(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return console_can(request, self.add_capability)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return console_can(request, self.change_capability) and self._owns(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return console_can(request, self.delete_capability) and self._owns(request, obj)

    def _scoped_related(self, request: HttpRequest, model) -> models.QuerySet | None:
        related_admin = self.admin_site._registry.get(model)
        if isinstance(related_admin, ConsoleModelAdmin):
            return related_admin.get_queryset(request)
        if model is Merchant:
            membership = console_membership(request)
            return Merchant.objects.filter(pk=membership.merchant_id if membership else None)
        return None

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return escaped_help_text(
            formfield_with_db_bounds(
                db_field, super().formfield_for_dbfield(db_field, request, **typed(db_field, kwargs))
            )
        )

    # --- list filters: values must be ones the field can hold (its choices, its range) ------

    def _filter_field(self, key: str):
        """The model field a list-filter parameter ends on, and its lookup (``None, None``: not a field)."""
        model, field, lookup = self.model, None, None
        parts = key.split("__")
        for n, part in enumerate(parts):
            try:
                if model is None:
                    raise FieldDoesNotExist(part)
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                if field is not None and n == len(parts) - 1:
                    lookup = part
                    break
                return None, None
            model = field.related_model if field.is_relation else None
        if field is not None and field.is_relation:
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                return None, None
            field = field.target_field
        return field, lookup

    def _names_a_person(self, lookup: str) -> bool:
        """Whether the filter ``lookup`` goes through a foreign key to a person (``user``,
        ``user_id``, ``action__user__gte`` ...): TikJoy's internal id of a person is never a console
        filter. A range of it (``?user__gte=&user__lte=``) would find the id behind each pseudonymous
        "Consumer XXXX-XXXX" in about 31 requests, the same id at every brand, so brands could match
        people who shared nothing with them (docs/consent.md)."""
        person = get_user_model()
        model = self.model
        for part in lookup.split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return False
            if not field.is_relation:
                return False
            if field.related_model is person:
                return True
            model = field.related_model
        return False

    def lookup_allowed(self, lookup, value, request=None):
        return not self._names_a_person(lookup) and super().lookup_allowed(lookup, value, request)

    def check_filter_params(self, request: HttpRequest) -> None:
        """IncorrectLookupParameters (the list shows an error) for a filter value its field can't hold,
        or a filter on a person (``_names_a_person``)."""
        skip = {*IGNORED_PARAMS, ERROR_FLAG, ORDER_VAR, PAGE_VAR, SEARCH_VAR, "all", "_changelist_filters"}
        for key, values in request.GET.lists():
            if key in skip:
                continue
            if self._names_a_person(key):
                raise IncorrectLookupParameters(f"{key}: a value this list can't be filtered by.")
            field, lookup = self._filter_field(key)
            if field is None or not hasattr(field, "clean"):
                continue
            for value in values:
                if lookup == "isnull":
                    ok = value.lower() in ("true", "false", "1", "0")
                    if not ok:
                        raise IncorrectLookupParameters(f"{key}: not a yes/no value.")
                    continue
                parts = value.split(",") if lookup == "in" else [value]
                try:
                    for part in parts:
                        if lookup in (None, "exact", "in", "iexact"):
                            field.clean(part, None)
                        elif lookup in ("gt", "gte", "lt", "lte"):
                            field.to_python(part)
                except ValidationError:
                    raise IncorrectLookupParameters(
                        f"{key}: a value this list can't be filtered by."
                    ) from None

    def response_action(self, request: HttpRequest, queryset: models.QuerySet):
        """Django's list actions, once the selected ids are ids this list could hold (else a message)."""
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.clean(value, None)
        except ValidationError:
            messages.error(request, _("The selection does not match this list; nothing was changed."))
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = self._scoped_related(request, db_field.remote_field.model)
        kwargs["queryset"] = (
            queryset if queryset is not None else db_field.remote_field.model._default_manager.none()
        )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = self._scoped_related(request, db_field.remote_field.model)
        kwargs["queryset"] = (
            queryset if queryset is not None else db_field.remote_field.model._default_manager.none()
        )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "export.csv", self.admin_site.admin_view(self.export_view), name=f"{info[0]}_{info[1]}_export"
            )
        ]
        return urls + super().get_urls()

    # --- people: only what they agreed to share with this merchant ----------------------------

    def _merchant_id_of(self, obj) -> int:
        value = obj
        for part in self.merchant_path.split("__"):
            value = getattr(value, part)
        return value

    def see_people(self, objs) -> None:
        """Decide once for a page of rows what the merchant sees of each row's person."""
        if not self.person_field:
            return
        by_merchant: dict[int, list] = {}
        for obj in objs:
            by_merchant.setdefault(self._merchant_id_of(obj), []).append(obj)
        for merchant_id, rows in by_merchant.items():
            people = people_seen_by_merchant(
                merchant=merchant_id, user_ids=[getattr(o, f"{self.person_field}_id") for o in rows]
            )
            for obj in rows:
                obj._person_seen = people.get(getattr(obj, f"{self.person_field}_id"))

    def person_seen(self, obj) -> PersonSeen | None:
        if not self.person_field or getattr(obj, f"{self.person_field}_id", None) is None:
            return None
        if getattr(obj, "_person_seen", None) is None:
            self.see_people([obj])
        return obj._person_seen

    @admin.display(description=gettext_lazy("Consumer"))
    def person(self, obj) -> str:
        seen = self.person_seen(obj)
        return seen.label if seen is not None else "-"

    def action_checkbox(self, obj):
        """Each row's checkbox, written at once (``core.admin.action_checkbox_html``)."""
        return action_checkbox_html(obj)

    def get_changelist_instance(self, request: HttpRequest):
        self.check_filter_params(request)
        changelist = super().get_changelist_instance(request)
        self.see_people(changelist.result_list)
        return changelist

    # --- CSV --------------------------------------------------------------------------------
    # Exports stream (constant memory, first bytes at once, whatever the list's length): rows are
    # read with ``iterator()`` in chunks and what each row's person shares is decided per chunk.

    change_list_template = "console/change_list.html"
    EXPORT_CHUNK = 1000

    def export_field_names(self) -> tuple[str, ...]:
        return self.export_fields or tuple(f for f in self.list_display if f != "__str__") or ("pk",)

    def export_header(self, fields: Iterable[str]) -> list[str]:
        """Each column's name as the list heads it, in the reader's language ("ID" for the id)."""
        return [
            str(self.opts.pk.verbose_name)
            if name == "pk"
            else capfirst(label_for_field(name, self.model, self))
            for name in fields
        ]

    def export_value(self, obj, name: str) -> str | Decimal:
        """What the list shows for ``name`` as a file's cell (``export_text``): a choice by its
        label, a foreign key by what its row's ``__str__`` says; the columns of ``export_as_stored``
        (a currency's ISO code) as stored; an amount as its ``Decimal`` (written with the reader's
        decimal mark by ``csv_response``)."""
        if name == "pk":
            return str(obj.pk)
        try:
            field, attr, value = lookup_field(name, obj, self)
        except ObjectDoesNotExist:  # a one-to-one the row has none of
            return ""
        if getattr(field, "flatchoices", None) and name not in self.export_as_stored:
            value = dict(field.flatchoices).get(value, value)
        elif field is None and getattr(attr, "boolean", False):
            value = bool(value) if value is not None else None
        if isinstance(value, Decimal):
            return value
        return export_text(value)

    def _csv(self, request: HttpRequest, queryset: models.QuerySet) -> StreamingHttpResponse:
        filename = download_name(
            self.opts.verbose_name_plural, console_membership(request).merchant.slug, day=timezone.localdate()
        )
        fields = self.export_field_names()
        return csv_response(filename, self.export_header(fields), self._csv_rows(queryset, fields))

    def _csv_rows(self, queryset: models.QuerySet, fields: tuple[str, ...]):
        chunk: list = []
        for obj in queryset.iterator(chunk_size=self.EXPORT_CHUNK):
            chunk.append(obj)
            if len(chunk) == self.EXPORT_CHUNK:
                yield from self._csv_chunk(chunk, fields)
                chunk = []
        yield from self._csv_chunk(chunk, fields)

    def _csv_chunk(self, chunk: list, fields: tuple[str, ...]):
        self.see_people(chunk)
        for obj in chunk:
            yield [self.export_value(obj, field) for field in fields]

    def export_queryset(self, request: HttpRequest) -> models.QuerySet:
        """Exactly the rows the list shows with the request's filters, search and order (all pages)."""
        request._console_export = True  # the changelist neither counts nor reads a page (see below)
        changelist = super().get_changelist_instance(request)
        return changelist.queryset

    def get_changelist(self, request: HttpRequest, **kwargs):
        changelist = ConsoleChangeList
        if getattr(request, "_console_export", False):
            return type("ExportChangeList", (changelist,), {"get_results": _no_page})
        return changelist

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The list as CSV, with the filters and search of the list it was asked from."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            self.check_filter_params(request)
            queryset = self.export_queryset(request)
        except IncorrectLookupParameters:
            info = self.opts.app_label, self.opts.model_name
            return redirect(
                reverse(f"{self.admin_site.name}:{info[0]}_{info[1]}_changelist") + f"?{ERROR_FLAG}=1"
            )
        return self._csv(request, queryset)

    @admin.action(description=gettext_lazy("Export selected as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: models.QuerySet) -> HttpResponse:
        return self._csv(request, queryset)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS:
            message = _console_admin_message(message)
        return super().message_user(request, message, level, *args, **kwargs)

    def changelist_view(self, request, extra_context=None):
        info = self.opts.app_label, self.opts.model_name
        export_url = reverse(f"{self.admin_site.name}:{info[0]}_{info[1]}_export")
        query = request.GET.urlencode()
        extra_context = {
            # A list is titled by what it lists ("Campaigns", "Kampagnen"), not Django's "Select campaign
            # to change" ("Sélectionnez l'objet campagne à changer"); a page may give its own.
            "title": capfirst(self.opts.verbose_name_plural),
            **(extra_context or {}),
            "console_export_url": export_url + (f"?{query}" if query else ""),
            # Its times are the brand's (the console's zone): the list says so under them.
            "console_list_times": self._lists_times(request),
        }
        return self._with_domain_errors(
            request, lambda: super(ConsoleModelAdmin, self).changelist_view(request, extra_context)
        )

    def _lists_times(self, request: HttpRequest) -> bool:
        """Whether a column of the list is a moment (a ``DateTimeField``)."""
        for name in self.get_list_display(request):
            try:
                field = self.model._meta.get_field(name) if isinstance(name, str) else None
            except FieldDoesNotExist:
                continue
            if isinstance(field, models.DateTimeField):
                return True
        return False

    def construct_change_message(self, request, form, formsets, add=False):
        """Django's history entry, without the fields a person never sees: a change page's hidden
        ``edit_version`` is not a change of theirs (history pages name each field changed)."""
        hidden = {name for name, field in form.fields.items() if field.widget.is_hidden}
        message = super().construct_change_message(request, form, formsets, add)
        for part in message:
            changed = part.get("changed")
            if changed and "name" not in changed:  # the form's own fields, not an inline's
                changed["fields"] = [
                    label
                    for label, name in zip(changed["fields"], form.changed_data, strict=True)
                    if name not in hidden
                ]
        return [part for part in message if part.get("changed", {"fields": True})["fields"]]

    def change_refused(self, obj) -> str | None:
        """Why ``obj`` can't be changed any more, whoever asks: its state (an ended campaign, a video
        already reviewed), not the person's role. ``None``: it can be. A form opened before the row got
        there (another tab, a teammate) is answered with these words, not a page saying the role is
        missing."""
        return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            refused = self.change_refused(obj) if obj is not None else None
            if refused and self.has_view_permission(request, obj):
                messages.warning(request, refused)
                return HttpResponseRedirect(request.get_full_path())

        def view():
            return super(ConsoleModelAdmin, self).changeform_view(request, object_id, form_url, extra_context)

        try:
            return self._with_domain_errors(request, view, conflict=EditConflict)
        except EditConflict:
            # The row changed between the form's check and the service's (under its lock): nothing was
            # saved; the form is shown again, and its check now explains the conflict and keeps the input.
            return self._with_domain_errors(request, view)

    def delete_view(self, request, object_id, extra_context=None):
        return self._with_domain_errors(
            request, lambda: super(ConsoleModelAdmin, self).delete_view(request, object_id, extra_context)
        )

    def _with_domain_errors(
        self, request: HttpRequest, view, *, conflict: type | None = None
    ) -> HttpResponse:
        try:
            return view()
        except DomainError as exc:  # any app's rule, in words: a message, never a 500
            if conflict is not None and isinstance(exc, conflict) and request.method == "POST":
                raise
            messages.error(request, str(exc))
            return HttpResponseRedirect(request.get_full_path())


class ConsoleInlineMixin:
    """For inlines on console pages: numeric fields get the database's bounds too, and a posted
    ``TOTAL_FORMS`` can't make the server build more forms than the inline allows (Django's own
    cap is max_num + 1,000: seconds of work per request)."""

    def get_formset(self, request, obj=None, **kwargs):
        max_num = self.get_max_num(request, obj, **kwargs)
        if max_num is not None:
            kwargs.setdefault("absolute_max", max(max_num, 1))
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return escaped_help_text(
            formfield_with_db_bounds(
                db_field, super().formfield_for_dbfield(db_field, request, **typed(db_field, kwargs))
            )
        )
