from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("资金与配捐")

    def ready(self) -> None:
        from . import checks, permissions, receivers  # noqa: F401 - registers checks, rules and receivers
