from django.apps import AppConfig


class TikJoyConfig(AppConfig):
    name = "tikjoy"
    verbose_name = "TikJoy"

    def ready(self) -> None:
        from tikjoy import duplicates  # it imports models: only once the apps are ready

        duplicates.register()
