from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "众筹行动"

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
