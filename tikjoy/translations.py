"""The translation check (``manage.py translations_check``, docs/i18n.md).

For every project app (and the root ``templates/``, whose catalogue is ``locale/``), ``makemessages``
is run for the shipped languages in a temporary copy of the app's source and catalogues: the
working tree is never written. The fresh catalogues are then read: every entry that is untranslated
or fuzzy in a shipped language is a finding, and so is an app that has strings to translate but no
``locale/`` directory (its strings would have nowhere to go but the root catalogue).
"""

from __future__ import annotations

import ast
import contextlib
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

SKIPPED_DIRS = {"tests", "migrations", "__pycache__", "node_modules", "static"}
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".xml", ".email"}


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgid_plural: str
    msgctxt: str | None
    msgstrs: tuple[str, ...]
    fuzzy: bool

    @property
    def untranslated(self) -> bool:
        return not self.msgstrs or any(not text for text in self.msgstrs)


@dataclass(frozen=True)
class Finding:
    catalogue: str  # "accounts" or "templates/ (locale/)"
    language: str
    problem: str  # "untranslated", "fuzzy", "no locale/"
    msgid: str

    def __str__(self) -> str:
        if self.problem == "no locale/":
            return (
                f"{self.catalogue}: has strings to translate but no locale/ directory (e.g. {self.msgid!r})"
            )
        return f"{self.catalogue} [{self.language}] {self.problem}: {self.msgid!r}"


def _unquote(line: str) -> str:
    return ast.literal_eval(line) if line.startswith('"') else ""


def po_entries(path: Path) -> list[Entry]:
    """The live entries of a ``.po`` file (the header and obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    block: dict = {}
    field = None

    def close() -> None:
        nonlocal block, field
        if "msgid" in block and block["msgid"] != "":
            strs = block.get("msgstr")
            plural = [block[key] for key in sorted(k for k in block if isinstance(k, int))]
            entries.append(
                Entry(
                    msgid=block["msgid"],
                    msgid_plural=block.get("msgid_plural", ""),
                    msgctxt=block.get("msgctxt"),
                    msgstrs=tuple(plural) if plural else ((strs,) if strs is not None else ()),
                    fuzzy=block.get("fuzzy", False),
                )
            )
        block, field = {}, None

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if "msgid" in block:
                close()
            block["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and field is not None:
            block[field] += _unquote(line)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and "msgid" in block:
                close()  # a new entry without a blank line before it
            field = int(keyword[7:-1]) if keyword.startswith("msgstr[") else keyword
            block[field] = _unquote(rest)
    return entries


def project_catalogues(base_dir: Path | None = None) -> list[tuple[str, Path, list[Path]]]:
    """(name, directory whose locale/ holds the catalogue, the source directories it covers)."""
    base = Path(base_dir or settings.BASE_DIR).resolve()
    found = [("templates/ (locale/)", base, [base / "templates"])]
    installed = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent == base:
            installed.add(path)
            found.append((config.label, path, [path]))
    for package in sorted(
        base.glob("*/__init__.py")
    ):  # a package that is no app: Django never reads its locale/
        if package.parent not in installed:
            found.append((f"{package.parent.name} (not an installed app)", package.parent, [package.parent]))
    return found


def _copy_sources(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.is_file() and (path.suffix in SOURCE_SUFFIXES or path.suffix == ".po"):
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def catalogue_findings(
    name: str, home: Path, sources: list[Path], languages: list[str], workdir: Path
) -> list[Finding]:
    """makemessages for one catalogue in ``workdir`` (a copy), then what is missing in it."""
    copy = workdir / "copy"
    copy.mkdir()
    for source in sources:
        if source.is_dir():
            _copy_sources(source, copy / source.relative_to(home) if source != home else copy)
    if (home / "locale").is_dir():
        _copy_sources(home / "locale", copy / "locale")
    has_locale = (home / "locale").is_dir()
    (copy / "locale").mkdir(exist_ok=True)
    with contextlib.chdir(copy):
        call_command(
            "makemessages",
            locale=languages,
            domain="django",
            no_location=True,
            ignore_patterns=["locale/*"],
            verbosity=0,
        )
    findings: list[Finding] = []
    for language in languages:
        po = copy / "locale" / language / "LC_MESSAGES" / "django.po"
        if not po.exists():
            continue
        entries = po_entries(po)
        if not has_locale or name.endswith("(not an installed app)"):
            if entries:
                return [Finding(name, "", "no locale/", entries[0].msgid)]
            continue
        plurals = _nplurals(po)
        for entry in entries:
            if entry.fuzzy:
                findings.append(Finding(name, language, "fuzzy", entry.msgid))
            elif entry.untranslated:
                findings.append(Finding(name, language, "untranslated", entry.msgid))
            elif entry.msgid_plural and plurals is not None and len(entry.msgstrs) != plurals:
                # gettext picks msgstr[plural(n)]: a form missing shows the English for those n.
                findings.append(
                    Finding(
                        name,
                        language,
                        f"{len(entry.msgstrs)} plural forms, the header says {plurals}",
                        entry.msgid,
                    )
                )
    return findings


def _nplurals(po: Path) -> int | None:
    """The number of plural forms the catalogue's header declares (None: no Plural-Forms)."""
    found = re.search(r"nplurals\s*=\s*(\d+)", po.read_text(encoding="utf-8").split("\n\n", 1)[0])
    return int(found.group(1)) if found else None


def translations_findings(
    *, languages: list[str] | None = None, base_dir: Path | None = None
) -> list[Finding]:
    """Every untranslated or fuzzy entry, per catalogue and language, of the whole project."""
    languages = languages or [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    findings: list[Finding] = []
    for name, home, sources in project_catalogues(base_dir):
        with tempfile.TemporaryDirectory(prefix="tikjoy-translations-") as workdir:
            findings += catalogue_findings(name, home, sources, languages, Path(workdir))
    return findings
