"""Admin building blocks every app's ops and console pages use."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _


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

    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

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


class TolerantAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, which re-renders a form sent back with a malformed id.

    Django's own filters the related table by the submitted value to show the choice, so
    ``user=abc`` raised ``ValueError`` (a 500) instead of "Select a valid choice". Values the
    related key can't hold are left out here; the form's own validation says what is wrong.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        valid = []
        for item in value:
            try:
                key.get_prep_value(key.to_python(item))
            except (ValidationError, ValueError, TypeError, OverflowError):
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class TolerantAutocompleteMixin:
    """A ModelAdmin whose ``autocomplete_fields`` use ``TolerantAutocompleteSelect``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = TolerantAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
