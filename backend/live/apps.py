from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = _("实时更新")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401 - registers the checks, connects the sign-out receiver
