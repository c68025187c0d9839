from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "problems"
    verbose_name = _("问题与讨论")

    def ready(self) -> None:
        from django.apps import apps

        from . import permissions, topics  # noqa: F401 - registers rules and live topics

        if apps.is_installed("voting"):
            from . import receivers  # noqa: F401 - hears of published ballots
