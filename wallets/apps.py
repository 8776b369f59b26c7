from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "wallets"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from wallets import checks  # noqa: F401 - registers the system checks
