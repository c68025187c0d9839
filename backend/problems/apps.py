from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "problems"
    verbose_name = "问题与讨论"

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
