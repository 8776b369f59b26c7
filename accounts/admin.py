from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    SetUnusablePasswordMixin,
    UserChangeForm,
    UserCreationForm,
)
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User


class TikJoyUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class TikJoyUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class TikJoyAdminPasswordChangeForm(AdminPasswordChangeForm):
    """Django's ops form to set or disable a person's password, its help in the reader's language: Django
    adds its warning to the lazy help text when the module loads, which freezes it in English."""

    usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


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
