from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "基金评审"

    def ready(self) -> None:
        from . import permissions, topics  # noqa: F401 - registers rules and live topics
