from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
