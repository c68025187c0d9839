from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("众筹行动")

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
