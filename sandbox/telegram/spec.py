"""Check Bot API calls against the committed specification (``botapi_spec.json``).

The Telegram stand-in runs every request through :func:`check_call` before it
acts, so a test can assert that the bot never made a call the real Bot API would
refuse. The file is derived from the official documentation by
``scripts/derive_botapi_spec.py``.

Parameters arrive the way the HTTP layer decoded them: strings for
``application/x-www-form-urlencoded``, multipart fields and the query string
(nested objects and arrays are JSON text inside those strings), native JSON
values for an ``application/json`` body, and :class:`UploadedFile` for a file
part of a multipart body.

What is checked, and how it is worded (wording from the telegram-bot-api server
where it has one, see ``Client.cpp``):

* unknown method: ``404 Not Found: method not found`` (method names are matched
  case-insensitively, as the real server lower-cases them);
* missing required parameter (absent or empty, the real server treats both
  alike): ``400 Bad Request: chat_id is empty``, ``message text is empty``,
  ``there is no photo in the request``, ``message identifiers are not
  specified``… and otherwise ``parameter "x" is required``;
* a value of the wrong type: ``400`` (``x must be a valid Integer``, ``can't
  parse reply keyboard markup JSON object``, ``can't parse InputMedia: Can't
  find field "media"``…). The real server is more lenient for a few optional
  fields (it ignores an unparsable ``entities``); the stand-in refuses them, so
  a call it accepts is a call Telegram accepts;
* inline keyboards: a button with no action (``Text buttons are unallowed in the
  inline keyboard``) and ``callback_data`` longer than 64 bytes
  (``BUTTON_DATA_INVALID``), which the real server refuses too;
* unknown parameters are ignored by the real server: they are returned as
  warnings, never as an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("botapi_spec.json")

_INT = re.compile(r"^[+-]?\d+$")
_ATTACH = "attach://"
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})

# What the real server says when a required parameter is missing.
_MISSING_BY_NAME = {
    "chat_id": "chat_id is empty",
    "message_ids": "message identifiers are not specified",
    "user_id": "invalid user_id specified",
    "callback_query_id": "query is too old and response timeout expired or query ID is invalid",
    "action": "wrong parameter action in request",
    "photo": "there is no photo in the request",
    "video": "there is no video in the request",
    "document": "there is no document in the request",
    "animation": "there is no animation in the request",
    "audio": "there is no audio in the request",
    "voice": "there is no voice in the request",
    "sticker": "there is no sticker in the request",
    "video_note": "there is no video note in the request",
}
_MISSING_BY_METHOD = {
    ("sendMessage", "text"): "message text is empty",
    ("editMessageText", "text"): "message text is empty",
    ("copyMessage", "message_id"): "message to copy not found",
    ("forwardMessage", "message_id"): "message to forward not found",
    ("deleteMessage", "message_id"): "message identifier is not specified",
}
# How the real server names a parameter in "can't parse ... JSON object".
_JSON_LABELS = {
    "reply_markup": "reply keyboard markup",
    "entities": "entities",
    "caption_entities": "entities",
    "message_ids": "message_ids",
}
# How the real server names a nested object in "can't parse ...: <reason>".
_TYPE_LABELS = {
    "InlineKeyboardButton": "inline keyboard button",
    "KeyboardButton": "keyboard button",
}
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    name: str
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class SpecError:
    """Why the real Bot API would refuse a call: HTTP status and description."""

    error_code: int
    description: str


@dataclass
class CallCheck:
    """Outcome of :func:`check_call`.

    ``method`` is the canonical method name (``None`` if unknown), ``params`` the
    parameters converted to Python values (ints, bools, floats, dicts, lists,
    strings, :class:`UploadedFile`), ``warnings`` the parameters the method does
    not know (the real server ignores them).
    """

    method: str | None
    params: dict[str, Any] = field(default_factory=dict)
    error: SpecError | None = None
    warnings: list[str] = field(default_factory=list)


class _Invalid(Exception):
    """A value does not fit a type; ``args[0]`` is the reason."""


class _Final(_Invalid):
    """A reason the real server gives as is, without naming the enclosing object."""


class BotApiSpec:
    """The committed specification: methods, their parameters, the object types."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data["version"]
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        self._by_lower = {name.lower(): name for name in self.methods}

    def canonical(self, method: str) -> str | None:
        """The documented spelling of ``method`` (case-insensitive), or None."""
        return self._by_lower.get(method.lower())

    def check_call(self, method: str, params: dict[str, Any]) -> CallCheck:
        name = self.canonical(method)
        if name is None:
            return CallCheck(None, dict(params), SpecError(404, "Not Found: method not found"))
        spec_params: dict[str, Any] = self.methods[name]["params"]
        files = {key for key, value in params.items() if isinstance(value, UploadedFile)}
        result = CallCheck(name, {})
        attached: set[str] = set()

        missing = [
            pname
            for pname, pspec in spec_params.items()
            if pspec["required"] and _is_empty(params.get(pname))
        ]
        if missing:
            # The real server checks content before the chat, so name chat_id last.
            missing.sort(key=lambda pname: pname == "chat_id")
            result.error = _bad(_missing_wording(name, missing[0]))
            return result

        for pname, value in params.items():
            pspec = spec_params.get(pname)
            if pspec is None:
                continue
            if _is_empty(value):
                continue
            try:
                result.params[pname] = self._convert_param(pname, value, pspec["types"], files)
            except _Invalid as exc:
                result.error = _bad(str(exc.args[0]))
                return result
            attached.update(_attach_names(result.params[pname]))

        for pname, value in params.items():
            if pname in spec_params:
                continue
            if pname in attached and isinstance(value, UploadedFile):
                result.params[pname] = value
                continue
            result.params[pname] = value
            result.warnings.append(pname)
        return result

    # -- conversion -------------------------------------------------------------

    def _convert_param(self, pname: str, value: Any, types: list[str], files: set[str]) -> Any:
        # "Array of InputMediaPhoto, InputMediaVideo" arrives as several Array types:
        # it means one array whose items may be any of them.
        arrays = [t[len("Array of ") :] for t in types if t.startswith("Array of ")]
        candidates = [t for t in types if not t.startswith("Array of ")]
        if arrays:
            candidates.append("Array of " + "|".join(arrays))
        reasons: list[str] = []
        for type_name in _ordered(candidates):
            try:
                return self._convert_top(pname, value, type_name, files)
            except _Invalid as exc:
                reasons.append(str(exc.args[0]))
        raise _Invalid(reasons[0])

    def _convert_top(self, pname: str, value: Any, type_name: str, files: set[str]) -> Any:
        if type_name in _PRIMITIVES:
            return _convert_scalar(pname, value, type_name, files, top=True)
        label = _JSON_LABELS.get(pname, pname.replace("_", " "))
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _Invalid(f"can't parse {label} JSON object") from None
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                raise _Invalid(f"expected an Array of {_element(type_name)}")
        elif isinstance(value, list) or not isinstance(value, dict):
            raise _Invalid(f"object expected as {label}")
        try:
            return self._convert_nested(value, type_name, files)
        except _Invalid as exc:
            reason = str(exc.args[0])
            if pname == "message_ids":
                raise _Invalid("can't parse message identifier as Number") from None
            if reason.startswith("must be"):
                raise _Invalid(f"can't parse {label}: item {reason}") from None
            raise

    def _convert_nested(self, value: Any, type_name: str, files: set[str]) -> Any:
        if type_name.startswith("Array of "):
            item_types = type_name[len("Array of ") :].split("|")
            if not isinstance(value, list):
                raise _Invalid(f"expected an Array of {_element(type_name)}")
            return [self._convert_item(item, item_types, files) for item in value]
        if type_name in _PRIMITIVES:
            return _convert_scalar("", value, type_name, files, top=False)
        type_spec = self.types.get(type_name)
        if type_spec is None:
            return value
        if not isinstance(value, dict):
            raise _Invalid(f"can't parse {_type_label(type_name)}: expected an Object")
        if type_spec.get("subtypes"):
            return self._convert_union(value, type_name, type_spec["subtypes"], files)
        return self._convert_object(value, type_name, type_spec.get("fields", {}), files)

    def _convert_item(self, value: Any, types: list[str], files: set[str]) -> Any:
        reasons: list[str] = []
        for type_name in types:
            try:
                return self._convert_nested(value, type_name, files)
            except _Final:
                raise
            except _Invalid as exc:
                reasons.append(str(exc.args[0]))
        if len(types) > 1 and isinstance(value, dict):
            # Prefer the complaint of the alternative the item claims to be.
            for type_name, reason in zip(types, reasons, strict=True):
                consts = self._consts(type_name)
                if consts and all(value.get(f) == c for f, c in consts.items()):
                    raise _Invalid(reason)
        raise _Invalid(reasons[0])

    def _consts(self, type_name: str) -> dict[str, Any]:
        fields = self.types.get(type_name, {}).get("fields", {})
        return {f: s["const"] for f, s in fields.items() if "const" in s}

    def _convert_union(
        self, value: dict[str, Any], type_name: str, subtypes: list[str], files: set[str]
    ) -> dict[str, Any]:
        errors: list[_Invalid] = []
        for sub in subtypes:
            fields = self.types.get(sub, {}).get("fields", {})
            if any(value.get(f) != c for f, c in self._consts(sub).items()):
                continue
            try:
                return self._convert_object(value, sub, fields, files)
            except _Invalid as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
        discriminator = next(
            (
                f
                for sub in subtypes
                for f, s in self.types[sub].get("fields", {}).items()
                if "const" in s
            ),
            None,
        )
        if discriminator is not None and discriminator in value:
            raise _Invalid(
                f"can't parse {_type_label(type_name)}: "
                f'{discriminator} "{value[discriminator]}" is unsupported'
            )
        if discriminator is not None:
            raise _Invalid(
                f"can't parse {_type_label(type_name)}: Can't find field \"{discriminator}\""
            )
        raise _Invalid(f"can't parse {_type_label(type_name)}: unsupported object")

    def _convert_object(
        self, value: dict[str, Any], type_name: str, fields: dict[str, Any], files: set[str]
    ) -> dict[str, Any]:
        label = _type_label(type_name)
        out: dict[str, Any] = {}
        for fname, const in self._consts(type_name).items():
            if fname in value and value[fname] != const:
                raise _Invalid(f'can\'t parse {label}: {fname} "{value[fname]}" is unsupported')
        for fname, fspec in fields.items():
            if fspec["required"] and fname not in value:
                raise _Invalid(f"can't parse {label}: Can't find field \"{fname}\"")
        for fname, item in value.items():
            fspec = fields.get(fname)
            if fspec is None or item is None:
                out[fname] = item
                continue
            failures: list[_Invalid] = []
            for candidate in _ordered(fspec["types"]):
                try:
                    out[fname] = self._convert_nested(item, candidate, files)
                    break
                except _Invalid as exc:
                    failures.append(exc)
            else:
                failure = failures[0]
                reason = str(failure.args[0])
                if isinstance(failure, _Final) or reason.startswith("can't parse"):
                    raise failure
                raise _Invalid(f'can\'t parse {label}: Field "{fname}" {reason}')
        if type_name == "InlineKeyboardButton":
            _check_inline_button(out)
        return out


def _check_inline_button(button: dict[str, Any]) -> None:
    if not any(button.get(action) is not None for action in _INLINE_ACTIONS):
        raise _Final(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if isinstance(data, str) and not 1 <= len(data.encode("utf-8")) <= 64:
        raise _Final("BUTTON_DATA_INVALID")


def _convert_scalar(pname: str, value: Any, type_name: str, files: set[str], *, top: bool) -> Any:
    subject = pname if top else ""

    def fail(kind: str) -> _Invalid:
        if top:
            return _Invalid(f"{subject} must be a valid {kind}")
        return _Invalid(f"must be of type {kind}")

    if type_name == "Integer":
        if isinstance(value, bool):
            raise fail("Integer")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and _INT.match(value.strip()):
            return int(value.strip())
        raise fail("Integer")
    if type_name == "Float":
        if isinstance(value, bool):
            raise fail("Float")
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise fail("Float") from None
        raise fail("Float")
    if type_name in {"Boolean", "True"}:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise fail("Boolean")
    if type_name == "InputFile":
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value.startswith(_ATTACH) and value[len(_ATTACH) :] in files:
            return value
        raise _Invalid(f"{subject or 'file'} must be an uploaded file")
    # String
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise fail("String")


def _attach_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value[len(_ATTACH) :]] if value.startswith(_ATTACH) else []
    if isinstance(value, dict):
        return [name for item in value.values() for name in _attach_names(item)]
    if isinstance(value, list):
        return [name for item in value for name in _attach_names(item)]
    return []


def _ordered(types: list[str]) -> list[str]:
    """Try the most specific type first: "123" is an Integer before it is a String."""
    rank = {"Integer": 0, "Float": 1, "Boolean": 2, "InputFile": 3, "String": 9}
    return sorted(types, key=lambda t: rank.get(t, 5))


def _element(type_name: str) -> str:
    while type_name.startswith("Array of "):
        type_name = type_name[len("Array of ") :]
    return _type_label(type_name.split("|")[0])


def _type_label(type_name: str) -> str:
    if type_name.startswith("InputMedia"):
        return "InputMedia"
    return _TYPE_LABELS.get(type_name, type_name)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _missing_wording(method: str, param: str) -> str:
    wording = _MISSING_BY_METHOD.get((method, param)) or _MISSING_BY_NAME.get(param)
    return wording or f'parameter "{param}" is required'


def _bad(reason: str) -> SpecError:
    return SpecError(400, f"Bad Request: {reason}")


@lru_cache(maxsize=4)
def load_spec(path: Path = SPEC_PATH) -> BotApiSpec:
    """Load (once) the specification committed next to this module."""
    with path.open(encoding="utf-8") as handle:
        return BotApiSpec(json.load(handle))


def check_call(method: str, params: dict[str, Any]) -> CallCheck:
    """Check one call against the committed specification."""
    return load_spec().check_call(method, params)


def validate_call(method: str, params: dict[str, Any]) -> SpecError | None:
    """The error the real Bot API would answer for this call, or None."""
    return check_call(method, params).error
