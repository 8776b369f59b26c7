"""Admin building blocks every app's ops and console pages use."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff see these rows but never add, change or delete them here (money and history)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    """What an ops action that needs a reason asks for (``templates/admin/reason.html``)."""

    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = help_text


def reason_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    title: str,
    objects: list,
    form: ReasonForm,
    cancel_url: str,
) -> TemplateResponse:
    """The shared page asking a reason before one object's ops action (reject, ban, lift a ban)."""
    return TemplateResponse(
        request,
        "admin/reason.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": objects,
            "opts": model_admin.model._meta,
            "cancel_url": cancel_url,
        },
    )
