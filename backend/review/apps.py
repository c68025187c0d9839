from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("基金评审")

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
