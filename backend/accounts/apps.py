from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与角色")

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
