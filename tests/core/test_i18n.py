"""Every catalogue is fully translated, and its compiled .mo says the same as the .po.

Source strings are Chinese (zh-hans is the default); English lives in each app's catalogues. An
empty or fuzzy msgstr would show Chinese to an English reader, so it fails here.
"""

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for base in ("backend", "frontend-templates") for p in (ROOT / base).rglob("*.po") if ".venv" not in p.parts
)


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for msgctxt, plurals, flags and multi-line strings."""
    entries: list[Entry] = []
    current = Entry()
    last: tuple[str, int] | None = None
    obsolete = False

    def flush():
        nonlocal current, obsolete
        if (current.msgid or current.msgstr) and not obsolete:
            entries.append(current)
        current, obsolete = Entry(), False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            last = None
            continue
        if line.startswith("#~"):
            obsolete = True
            continue
        if line.startswith("#,"):
            current.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            value = ast.literal_eval(line)
            name, index = last
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        value = ast.literal_eval(rest)
        current.line = current.line or number
        if keyword == "msgctxt":
            current.msgctxt, last = value, ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, last = value, ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, last = value, ("msgid_plural", 0)
        elif keyword == "msgstr":
            current.msgstr[0], last = value, ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            current.msgstr[index], last = value, ("msgstr", index)
    flush()
    return entries


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_catalogues():
    names = {_id(p) for p in CATALOGUES}
    for app in ("accounts", "network", "core"):
        assert f"backend/{app}/locale/en/LC_MESSAGES/django.po" in names
        assert f"frontend-templates/{app}/locale/en/LC_MESSAGES/django.po" in names


@pytest.mark.parametrize("po", CATALOGUES, ids=_id)
def test_every_string_is_translated(po):
    problems = []
    for entry in parse_po(po):
        if not entry.msgid:
            continue  # the header
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy: {entry.msgid!r}")
        elif not entry.msgstr or any(not s for s in entry.msgstr.values()):
            problems.append(f"line {entry.line}: untranslated: {entry.msgid!r}")
    assert not problems, f"{_id(po)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("po", CATALOGUES, ids=_id)
def test_the_compiled_catalogue_agrees_with_the_source(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{_id(mo)} is missing: run ./scripts/messages.sh"
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    catalog = compiled._catalog
    expected: dict = {}
    for entry in parse_po(po):
        if not entry.msgid or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is not None:
            for index, text in entry.msgstr.items():
                expected[(entry.key, index)] = text
        else:
            expected[entry.key] = entry.msgstr.get(0, "")
    stale = {k: (v, catalog.get(k)) for k, v in expected.items() if v and catalog.get(k) != v}
    assert not stale, f"{_id(mo)} is out of date with its .po (run ./scripts/messages.sh): {list(stale)[:5]}"
    extra = {k for k in catalog if k != "" and k not in expected}
    assert not extra, f"{_id(mo)} has strings its .po no longer has: {list(extra)[:5]}"


def test_the_parser_reads_plurals_contexts_and_flags(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, python-format\nmsgctxt "heading"\nmsgid "社区"\nmsgstr "Communities"\n\n'
        'msgid "%(n)s 位"\nmsgid_plural "%(n)s 位"\nmsgstr[0] "%(n)s person"\nmsgstr[1] ""\n"%(n)s people"\n\n'
        '#, fuzzy\nmsgid "旧"\nmsgstr "Old"\n\n'
        '#~ msgid "废弃"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = parse_po(po)
    assert [e.key for e in entries] == ["", "heading\x04社区", "%(n)s 位", "旧"]
    assert entries[2].msgstr == {0: "%(n)s person", 1: "%(n)s people"}
    assert "fuzzy" in entries[3].flags
