"""The apps import each other in one direction only (DESIGN.md, Architecture): live knows no
domain app, accounts and network know nothing built on them, voting knows no problems and no
campaigns, and each domain app reaches only the ones below it. Imports inside functions count."""

import ast
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2] / "backend"
BASE = {"core", "live", "accounts", "network"}
ALLOWED = {
    "core": {"live", "accounts", "network"},
    "live": {"core"},
    "accounts": {"core", "live", "network"},
    "network": {"core", "live", "accounts"},
    "voting": BASE,
    "problems": BASE | {"voting"},
    "campaigns": BASE | {"voting", "problems"},
    "funding": BASE | {"voting", "problems", "campaigns"},
    "review": BASE | {"voting", "problems", "campaigns", "funding"},
}
APPS = set(ALLOWED)


def imported_apps(app: str) -> dict[str, set[str]]:
    """Other apps `app` imports, each with the files that do it (migrations left out: they name
    other apps only as dependencies)."""
    found: dict[str, set[str]] = {}
    for path in (BACKEND / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top in APPS and top != app:
                    found.setdefault(top, set()).add(str(path.relative_to(BACKEND)))
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_what_lies_below_it(app):
    wrong = {other: sorted(files) for other, files in imported_apps(app).items() if other not in ALLOWED[app]}
    assert not wrong, f"{app} must not import {wrong}"


def test_the_check_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    app = tmp_path / "voting"
    app.mkdir()
    (app / "services.py").write_text("def f():\n    from problems.models import Problem\n    return Problem\n")
    monkeypatch.setattr(f"{__name__}.BACKEND", tmp_path)
    assert imported_apps("voting") == {"problems": {"voting/services.py"}}
