"""Admin building blocks every app's ops and console pages use."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff see these rows but never add, change or delete them here (money and history)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
