from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "资金与配捐"

    def ready(self) -> None:
        from . import checks, permissions, receivers  # noqa: F401 - registers checks, rules and receivers
