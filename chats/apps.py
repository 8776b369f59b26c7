from django.apps import AppConfig


class ChatsConfig(AppConfig):
    name = "chats"
    verbose_name = "Chats"
    # chats/console.py (the Inbox) is imported by merchants' autodiscovery of console modules.

    def ready(self) -> None:
        from chats import receivers

        receivers.connect()
