"""Translation catalogs: extract msgids from the code, merge them into every language, check.

`digibank i18n extract|update|check|add LOCALE`. The check is also what the test suite runs:
a missing or fuzzy translation, or one whose placeholders or HTML tags differ from the
msgid's, is an error.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from flows.i18n import DOMAIN, SOURCE_LOCALE, SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
SOURCES = ("flows", "bot", "storage")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_TAG = re.compile(r"</?[a-z-]+")


def po_path(locale: str) -> Path:
    return LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


HEADER = """\
# Translations of the digibank help-desk bot.
# The Dutch text sets the tone: short sentences, everyday words (Klare taal).
# Keep placeholders like {name} and HTML tags like <b> exactly as in the msgid."""


def new_catalog(locale: str | None = None) -> Catalog:
    return Catalog(
        locale=locale,
        project="digibank-helpdesk",
        version="0.1",
        copyright_holder="digibank-helpdesk contributors",
        header_comment=HEADER,
        charset="utf-8",
        fuzzy=False,
    )


def extract() -> Catalog:
    catalog = new_catalog()
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
        ):
            catalog.add(
                message,
                None,
                [(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, include_previous=False)


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(locales: tuple[str, ...] = SUPPORTED_LOCALES) -> None:
    write_catalog(extract(), TEMPLATE)
    for locale in locales:
        path = po_path(locale)
        catalog = read_catalog(path, locale) if path.exists() else new_catalog(locale)
        catalog.fuzzy = False
        catalog.project, catalog.version = "digibank-helpdesk", "0.1"
        catalog.header_comment = HEADER
        catalog.msgid_bugs_address = catalog.last_translator = catalog.language_team = ""
        # A fresh template each time: Catalog.update shares message objects with it.
        catalog.update(extract(), no_fuzzy_matching=True)
        if locale == SOURCE_LOCALE:  # English reads as the msgids say
            for message in catalog:
                if message.id and not any(_ids(message.string)):
                    message.string = message.id
        write_catalog(catalog, path)


def _ids(message_id: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


def problems(locale: str) -> list[str]:
    """Everything that keeps a catalog from being complete and safe to show."""
    path = po_path(locale)
    if not path.exists():
        return [f"{locale}: no catalog at {path.relative_to(ROOT)}"]
    catalog = read_catalog(path, locale)
    found = []
    for wanted in extract():
        if not wanted.id:
            continue
        message = catalog.get(wanted.id)
        label = f"{locale}: {_ids(wanted.id)[0][:60]!r}"
        if message is None:
            found.append(f"{label} is missing")
            continue
        strings = _ids(message.string) if message.string else ()
        if not strings or not all(strings):
            found.append(f"{label} is not translated")
        elif message.fuzzy:
            found.append(f"{label} is fuzzy")
        else:
            source = _ids(wanted.id)[0]
            allowed = set(_PLACEHOLDER.findall(source))
            for text in strings:
                used = set(_PLACEHOLDER.findall(text))
                # A plural form may leave the number out ("شهران" = two months), no more.
                if used != allowed and not (message.pluralizable and used < allowed):
                    found.append(f"{label} has other placeholders: {text[:60]!r}")
                if Counter(_TAG.findall(text)) != Counter(_TAG.findall(source)):
                    found.append(f"{label} has other HTML tags: {text[:60]!r}")
    return found


def main(action: str, locale: str | None = None) -> int:
    if action == "extract":
        write_catalog(extract(), TEMPLATE)
        print(f"wrote {TEMPLATE.relative_to(ROOT)}")
    elif action == "update":
        update()
        print("updated " + ", ".join(SUPPORTED_LOCALES))
    elif action == "add":
        if not locale or not re.fullmatch(r"[a-z]{2,3}", locale):
            print("digibank: give a language code, e.g. `digibank i18n add pl`", file=sys.stderr)
            return 2
        update((locale,))
        print(
            f"created {po_path(locale).relative_to(ROOT)}: translate it, then add "
            f"{locale!r} to SUPPORTED_LOCALES in flows/i18n.py"
        )
    elif action == "compile":
        for code in SUPPORTED_LOCALES:
            catalog = read_catalog(po_path(code), code)
            with po_path(code).with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
        print("compiled " + ", ".join(SUPPORTED_LOCALES))
    elif action == "check":
        found = [problem for code in SUPPORTED_LOCALES for problem in problems(code)]
        for problem in found:
            print(problem)
        print(f"{len(found)} problems in {len(SUPPORTED_LOCALES)} catalogs")
        return 1 if found else 0
    return 0
