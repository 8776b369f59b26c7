from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    name = "chats"
    verbose_name = _("Chats")
    # chats/console.py (the Inbox) is imported by merchants' autodiscovery of console modules.

    def ready(self) -> None:
        from chats import receivers

        receivers.connect()
