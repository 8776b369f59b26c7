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

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify

from core.errors import DomainError
from merchants.models import Membership, Merchant
from merchants.roles import Capability
from merchants.tenancy import console_can, console_membership


@dataclass(frozen=True)
class DashboardPanel:
    """A part of the console's dashboard, contributed by an app."""

    key: str
    order: int
    template: str
    context: Callable[[HttpRequest, Membership], dict[str, Any]]
    stylesheet: str = ""


class ConsoleSite(admin.AdminSite):
    site_header = "TikJoy console"
    site_title = "TikJoy console"
    index_title = "Dashboard"
    index_template = "console/index.html"
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
        context: Callable[[HttpRequest, Membership], dict[str, Any]],
        stylesheet: str = "",
    ) -> None:
        self._panels[key] = DashboardPanel(key, order, template, context, stylesheet)

    def dashboard_panels(self, request: HttpRequest, membership: Membership) -> list[dict[str, Any]]:
        """The registered panels, in order, each as its template and its context for this member."""
        return [
            {
                "key": p.key,
                "template": p.template,
                "stylesheet": p.stylesheet,
                **p.context(request, membership),
            }
            for p in sorted(self._panels.values(), key=lambda p: (p.order, p.key))
        ]

    def has_permission(self, request: HttpRequest) -> bool:
        # Members only: staff without a membership use /ops/, not this site.
        return request.user.is_active and console_membership(request) is not None

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated:
            messages.info(request, "Create your merchant, or accept an invitation, to use the console.")
            return redirect("merchants:create")
        return redirect_to_login(request.GET.get("next") or reverse("console:index"), "account_login")

    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("account_logout")

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        membership = console_membership(request)
        if membership is not None:
            context["console_membership"] = membership
            context["site_header"] = f"TikJoy console · {membership.merchant.brand_name}"
            context["site_url"] = reverse("brand:landing", kwargs={"slug": membership.merchant.slug})
        return context

    def get_urls(self):
        return list(self._extra_urls) + super().get_urls()

    def index(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        membership = console_membership(request)
        panels = self.dashboard_panels(request, membership)
        return super().index(request, {**(extra_context or {}), "dashboard_panels": panels})


console_site = ConsoleSite(name="console")


def console_view(capability: Capability):
    """A custom console view that needs ``capability`` (the site already requires a membership)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not console_can(request, capability):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def console_render(request: HttpRequest, template: str, context: dict) -> TemplateResponse:
    return TemplateResponse(request, template, {**console_site.each_context(request), **context})


class ConsoleModelAdmin(admin.ModelAdmin):
    """A console page over a model, scoped to the selected merchant; permissions from the role.

    A capability of ``None`` means nobody may do it in the console.
    """

    merchant_path: str = "merchant_id"
    view_capability: Capability | None = Capability.VIEW
    add_capability: Capability | None = None
    change_capability: Capability | None = None
    delete_capability: Capability | None = None
    actions = ["export_csv"]
    export_fields: tuple[str, ...] = ()
    # Newest first unless a page says otherwise; also keeps autocomplete's pages stable.
    ordering = ("-pk",)

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
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

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

    def _csv(self, queryset: models.QuerySet) -> HttpResponse:
        fields = self.export_fields or tuple(f for f in self.list_display if f != "__str__") or ("pk",)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = slugify(self.opts.verbose_name_plural) or "export"
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        writer = csv.writer(response)
        writer.writerow(fields)
        for obj in queryset:
            writer.writerow([self._export_value(obj, field) for field in fields])
        return response

    def _export_value(self, obj, field: str) -> str:
        value = getattr(self, field, None)
        if callable(value):
            value = value(obj)
        else:
            value = getattr(obj, field, "")
            if callable(value):
                value = value()
        text = "" if value is None else str(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formulas in spreadsheets

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The whole (scoped) list as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._csv(self.get_queryset(request))

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: models.QuerySet) -> HttpResponse:
        return self._csv(queryset)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._with_domain_errors(
            request,
            lambda: super(ConsoleModelAdmin, self).changeform_view(
                request, object_id, form_url, extra_context
            ),
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._with_domain_errors(
            request, lambda: super(ConsoleModelAdmin, self).delete_view(request, object_id, extra_context)
        )

    def changelist_view(self, request, extra_context=None):
        return self._with_domain_errors(
            request, lambda: super(ConsoleModelAdmin, self).changelist_view(request, extra_context)
        )

    def _with_domain_errors(self, request: HttpRequest, view) -> HttpResponse:
        try:
            return view()
        except DomainError as exc:  # any app's rule, in words: a message, never a 500
            messages.error(request, str(exc))
            return HttpResponseRedirect(request.get_full_path())
