from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = "投票表决"

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
