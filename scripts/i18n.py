"""``./dev i18n``: the translation catalogues from the code.

1. ``pybabel extract`` over ``bot/`` into ``locales/messages.pot`` (keywords ``_``, ``__`` and
   ``ngettext``; a ``# Translators:`` comment above a text reaches the translators);
2. ``pybabel init`` (a new language) or ``pybabel update`` for each language of
   :data:`bot.runtime.i18n.LANGUAGES` but English, keeping what is translated;
3. ``pybabel compile`` of each into a temporary directory, to check the files and print how much
   is translated. The bot reads the ``.po`` files themselves (compiled in memory at start), so no
   ``.mo`` file is kept in the repository.

Adding a language: put it in ``LANGUAGES`` and run ``./dev i18n``; translate its new ``.po``.
"""

from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
DOMAIN = "messages"
KEYWORDS = ("_", "__", "ngettext:1,2")


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *args])


def extract(output: Path) -> None:
    """The template of every text in ``bot/`` (what the catalogue test compares against); run
    from the repository's root."""
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    pybabel(
        "extract",
        "--no-default-keywords",
        *keywords,
        "--add-comments=Translators:",
        "--strip-comments",
        "--sort-by-file",
        "--project=forwarding-bot",
        "--copyright-holder=",
        "-o",
        str(output),
        "bot",  # relative: the locations in the catalogues read bot/…
    )


def languages() -> list[str]:
    """The translated languages: the keys of ``LANGUAGES`` in bot/runtime/i18n.py but English
    (read from the source, so this runs without importing aiogram)."""
    tree = ast.parse((ROOT / "bot" / "runtime" / "i18n.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "LANGUAGES":
            table = ast.literal_eval(node.value)  # type: ignore[arg-type]
            return [code for code in table if code != "en"]
    raise LookupError("LANGUAGES not found in bot/runtime/i18n.py")


def main() -> None:
    os.chdir(ROOT)
    LOCALES.mkdir(exist_ok=True)
    extract(TEMPLATE)
    for code in languages():
        po = LOCALES / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        command = "update" if po.exists() else "init"
        pybabel(command, "-i", str(TEMPLATE), "-d", str(LOCALES), "-D", DOMAIN, "-l", code)
    with tempfile.TemporaryDirectory() as scratch:
        for code in languages():
            po = LOCALES / code / "LC_MESSAGES" / f"{DOMAIN}.po"
            mo = str(Path(scratch) / f"{code}.mo")
            CommandLineInterface().run(
                ["pybabel", "compile", "--statistics", "-i", str(po), "-l", code, "-o", mo]
            )


if __name__ == "__main__":
    main()
