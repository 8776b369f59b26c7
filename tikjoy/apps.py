from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# django-allauth's two apps are both "Accounts" in German and Italian, like ours ("Konten" three
# times in the ops sidebar): in /ops/ they are named for what they hold.
ALLAUTH_APP_NAMES = {
    "account": _("Sign-in: e-mail addresses"),
    "socialaccount": _("Sign-in: social networks"),
}

# Django writes every form field's label with gettext(":") after it (``Form.label_suffix``: the console's
# and /ops/'s "Motif :"). Its own French puts a plain space there, which can leave the colon alone at the
# start of a line; this catalogue's (read before Django's) puts a no-break space. Named here so that
# makemessages keeps the entry.
LABEL_SUFFIX = gettext_noop(":")


class TikJoyConfig(AppConfig):
    name = "tikjoy"
    verbose_name = "TikJoy"

    def ready(self) -> None:
        from tikjoy import commissions_paid, duplicates  # they import models: only once the apps are ready

        duplicates.register()
        commissions_paid.register()
        for label, name in ALLAUTH_APP_NAMES.items():
            if apps.is_installed(f"allauth.{label}"):
                apps.get_app_config(label).verbose_name = name
