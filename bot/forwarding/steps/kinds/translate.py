"""AI translation into a language (a name, or a code such as "es" or "pt-BR"); common codes become
names ("Spanish") so the TASK line and the rule card read the same for both."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import field_validator

from bot.forwarding.steps.base import Ask
from bot.forwarding.steps.prompts import AiStep, single_line
from bot.runtime.i18n import _, __

MAX_LANGUAGE = 40
CHOICES = (
    "English",
    "Spanish",
    "German",
    "French",
    "Italian",
    "Portuguese",
    "Russian",
    "Ukrainian",
    "Arabic",
    "Chinese",
    "Japanese",
    "Turkish",
)

LANGUAGES: dict[str, str] = {
    "af": "Afrikaans",
    "am": "Amharic",
    "ar": "Arabic",
    "az": "Azerbaijani",
    "be": "Belarusian",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "bs": "Bosnian",
    "ca": "Catalan",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "en-gb": "British English",
    "en-us": "American English",
    "eo": "Esperanto",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fil": "Filipino",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "gu": "Gujarati",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "hy": "Armenian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "ka": "Georgian",
    "kk": "Kazakh",
    "km": "Khmer",
    "kn": "Kannada",
    "ko": "Korean",
    "ky": "Kyrgyz",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "mk": "Macedonian",
    "ml": "Malayalam",
    "mn": "Mongolian",
    "mr": "Marathi",
    "ms": "Malay",
    "my": "Burmese",
    "nb": "Norwegian",
    "ne": "Nepali",
    "nl": "Dutch",
    "no": "Norwegian",
    "pa": "Punjabi",
    "pl": "Polish",
    "ps": "Pashto",
    "pt": "Portuguese",
    "pt-br": "Brazilian Portuguese",
    "pt-pt": "European Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "si": "Sinhala",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sq": "Albanian",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "tg": "Tajik",
    "th": "Thai",
    "tk": "Turkmen",
    "tl": "Filipino",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "uz": "Uzbek",
    "vi": "Vietnamese",
    "zh": "Chinese",
    "zh-cn": "Simplified Chinese",
    "zh-hans": "Simplified Chinese",
    "zh-hant": "Traditional Chinese",
    "zh-tw": "Traditional Chinese",
}
_LANGUAGE_NAMES = {name.casefold(): name for name in LANGUAGES.values()}


def normalise_language(value: str) -> str:
    """A language code or name as a name: "es" → "Spanish", "pt_BR" → "Brazilian Portuguese",
    "spanish" → "Spanish"; anything else is kept as written (its first letter capitalised)."""
    key = value.strip().casefold().replace("_", "-")
    if key in LANGUAGES:
        return LANGUAGES[key]
    if key in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[key]
    return value[:1].upper() + value[1:]


class Translate(AiStep, label=__("Translate"), icon="🌐"):
    """Translate the post into ``language`` (a name, or a code such as "es" or "pt-BR")."""

    ask = Ask(
        field="language",
        question=__("Translate into which language?"),
        choices=CHOICES,
        prompt=__("Send the language to translate into, for example “Polish”."),
    )
    example: ClassVar[Mapping[str, Any]] = {"language": "Spanish"}

    type: Literal["translate"] = "translate"
    language: Annotated[str, single_line("language", 2, MAX_LANGUAGE)]

    @field_validator("language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if not all(
            ch.isalpha() or unicodedata.category(ch)[0] == "M" or ch in " -_()'." for ch in value
        ):
            raise ValueError(_("A language is a name like Spanish or a code like es."))
        return normalise_language(value)

    def job(self) -> tuple[str, str]:
        return (
            f"Translate the post into {self.language}. If the post is already in "
            f"{self.language}, return it unchanged. Do not translate URLs, @mentions, #hashtags "
            "or the content of <code> and <pre>.",
            f"TASK: translate {self.language}",
        )

    def describe(self) -> str:
        return _("AI translation to {language}").format(language=self.language)
