"""Demo data for `make run`. Each app adds its part in `<app>/demo.py: seed(ctx)`, in dependency
order; everything is skipped when the database already holds communities, so running twice never
duplicates anything."""

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

DEMO_PASSWORD = "zhongchou2026"  # noqa: S105 - published demo password, demo data only

# (username, what to try with it) — printed by `make run`.
DEMO_ACCOUNTS = [
    ("admin", "平台管理员 / platform admin (/admin/)"),
    ("wangayi", "居民 / resident of 幸福社区"),
    ("zhangshu", "居民 / resident of 幸福社区"),
    ("lisg", "社区工作者 / organiser of 幸福社区"),
    ("zhousg", "社区工作者 / organiser of 和美社区"),
    ("chenpingshen", "基金评审 / reviewer of 甬城幸福慈善基金"),
]

SEED_MODULES = ["network.demo", "problems.demo", "voting.demo", "campaigns.demo", "funding.demo", "review.demo"]


@dataclass
class DemoContext:
    """What earlier seed steps made, for later ones to use."""

    users: dict[str, Any] = field(default_factory=dict)
    communities: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)


def seed_demo() -> bool:
    """Load the demo once. Returns False when data was already there."""
    from network.models import Community

    if Community.objects.exists():
        return False
    ctx = DemoContext()
    with transaction.atomic():
        for module_name in SEED_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:
                    continue
                raise
            module.seed(ctx)
    return True
