from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("投票表决")

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
