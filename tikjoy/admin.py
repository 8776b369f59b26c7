from django.contrib import admin

# The default admin site is the ops staff admin, served at /ops/.
admin.site.site_header = "TikJoy operations"
admin.site.site_title = "TikJoy ops"
admin.site.index_title = "Operations"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ops see these rows but never add, change or delete them here (money and history)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
