from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("五社联动伙伴")

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the network's permission rules
