from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "五社联动伙伴"

    def ready(self) -> None:
        from . import permissions  # noqa: F401 - registers the network's permission rules
