from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    SetUnusablePasswordMixin,
    UserChangeForm,
    UserCreationForm,
)
from django.template.response import TemplateResponse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class TikJoyUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class TikJoyUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


def _usable_password_help() -> SafeString:
    """Django's help on disabling a password with its warning box, both in the reader's language; the
    markup is ours and the two sentences are escaped, so core.forms shows it as HTML, not as text."""
    return format_html(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


class TikJoyAdminPasswordChangeForm(AdminPasswordChangeForm):
    """Django's ops form to set or disable a person's password, its help in the reader's language: Django
    adds its warning to the lazy help text when the module loads, which freezes it in English."""

    usable_password_help_text = lazy(_usable_password_help, SafeString)()


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = TikJoyUserChangeForm
    add_form = TikJoyUserCreationForm
    change_password_form = TikJoyAdminPasswordChangeForm
    ordering = ("-date_joined",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "display_name")
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (pgettext_lazy("account page section", "Profile"), {"fields": ("display_name",)}),
        (
            pgettext_lazy("account page section", "Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (pgettext_lazy("account page section", "Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def user_change_password(self, request, id, form_url=""):
        """Django's page, its heading naming the person as the rest of ops does: Django names them by
        their e-mail (USERNAME_FIELD), which people signed in with TikTok or WhatsApp lack ("None")."""
        response = super().user_change_password(request, id, form_url)
        if isinstance(response, TemplateResponse) and "original" in (response.context_data or {}):
            person = response.context_data["original"]
            title = (
                gettext("Change password: %s")
                if person.has_usable_password()
                else gettext("Set password: %s")
            )
            response.context_data["title"] = title % person
        return response
