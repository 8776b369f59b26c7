from django.contrib import admin

# The default admin site is the ops staff admin, served at /ops/.
admin.site.site_header = "TikJoy operations"
admin.site.site_title = "TikJoy ops"
admin.site.index_title = "Operations"
