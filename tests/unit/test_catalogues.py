"""Every text of the bot is translated into every language, without breaking its placeholders.

The template is extracted afresh from the code, so a new ``_()`` text without translations fails
here until ``./dev i18n`` is run and the translators fill it in.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.runtime.i18n import DEFAULT_LANGUAGE, LANGUAGES, CatalogueI18n, language_from_telegram
from scripts.i18n import LOCALES, ROOT, extract

TRANSLATED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)[^{}]*\}")
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?>")


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _shape(text: str) -> tuple[set[str], Counter[str]]:
    """The named placeholders and the HTML tags (with their attributes) of a text."""
    return set(PLACEHOLDER.findall(text)), Counter(TAG.findall(text))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    output = tmp_path_factory.mktemp("i18n") / "messages.pot"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        extract(output)
    with output.open("rb") as source:
        return read_po(source)


def _catalogue(code: str) -> Catalog:
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=code)


def _problems(template: Catalog, catalogue: Catalog) -> list[str]:
    problems = []
    for english in template:
        if not english.id:
            continue
        key = english.id if isinstance(english.id, str) else english.id[0]
        translated: Message | None = catalogue.get(english.id, english.context)
        label = repr(key[:60])
        if translated is None:
            problems.append(f"missing: {label}")
            continue
        forms = _forms(translated.string)
        if not forms or not all(form.strip() for form in forms):
            problems.append(f"empty: {label}")
            continue
        if translated.fuzzy:
            problems.append(f"fuzzy: {label}")
        wanted = _shape(_forms(english.id)[-1])
        for form in forms:
            if _shape(form) != wanted:
                problems.append(f"placeholders or tags differ: {label} -> {form[:60]!r}")
    return problems


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_text_is_translated_and_keeps_its_placeholders(code: str, template: Catalog) -> None:
    problems = _problems(template, _catalogue(code))
    shown = "\n".join(problems[:25])
    assert not problems, (
        f"{code}: {len(problems)} problems (run ./dev i18n, then translate "
        f"locales/{code}/LC_MESSAGES/messages.po):\n{shown}"
    )


def test_the_template_holds_the_texts_of_the_wizard_and_the_rules_menu(template: Catalog) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert "Which language should I speak to you in?\nNow: {language}" in ids
    assert len(ids) > 100


def test_a_broken_placeholder_or_tag_is_found() -> None:
    template = Catalog()
    template.add("<b>{title}</b> is paused")

    def problems(translation: str) -> list[str]:
        catalogue = Catalog(locale="ru")
        catalogue.add("<b>{title}</b> is paused", translation)
        return _problems(template, catalogue)

    assert problems("<b>{название}</b> на паузе") == [
        "placeholders or tags differ: '<b>{title}</b> is paused' -> '<b>{название}</b> на паузе'"
    ]
    assert len(problems("{title} на паузе")) == 1
    assert len(problems("<i>{title}</i> на паузе")) == 1
    assert problems("<b>{title}</b> на паузе") == []
    assert problems("") == ["empty: '<b>{title}</b> is paused'"]


def test_empty_and_fuzzy_translations_read_in_english(tmp_path: Path) -> None:
    po = tmp_path / "ru" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && '
        '(n%100<10 || n%100>=20) ? 1 : 2);\\n"\n\n'
        'msgid "Rules"\nmsgstr "Правила"\n\n'
        'msgid "Delete"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Pause"\nmsgstr "Стоп"\n\n'
        'msgid "{count} post"\nmsgid_plural "{count} posts"\n'
        'msgstr[0] "{count} пост"\nmsgstr[1] "{count} поста"\nmsgstr[2] "{count} постов"\n\n'
        'msgid "{count} rule"\nmsgid_plural "{count} rules"\n'
        'msgstr[0] "{count} правило"\nmsgstr[1] ""\nmsgstr[2] "{count} правил"\n',
        encoding="utf-8",
    )
    i18n = CatalogueI18n(path=tmp_path)
    assert i18n.gettext("Rules", locale="ru") == "Правила"
    assert i18n.gettext("Delete", locale="ru") == "Delete"
    assert i18n.gettext("Pause", locale="ru") == "Pause"
    assert i18n.gettext("Rules", locale="en") == "Rules"
    forms = [i18n.gettext("{count} post", "{count} posts", n, locale="ru") for n in (1, 3, 5)]
    assert forms == ["{count} пост", "{count} поста", "{count} постов"]
    partial = [i18n.gettext("{count} rule", "{count} rules", n, locale="ru") for n in (1, 3)]
    assert partial == ["{count} rule", "{count} rules"]  # a form missing: all in English


@pytest.mark.parametrize(
    ("code", "language"),
    [("ru", "ru"), ("ru-RU", "ru"), ("es-419", "es"), ("fa", "fa"), ("pt-br", None), (None, None)],
)
def test_telegram_language_codes_map_to_the_languages_spoken(
    code: str | None, language: str | None
) -> None:
    assert language_from_telegram(code) == language
