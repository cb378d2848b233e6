"""Derive the compact Bot API specification used by the Telegram stand-in.

Reads the machine-readable Bot API description (``api.min.json`` from the
telegram-bot-api-spec project) and writes ``sandbox/telegram/botapi_spec.json``: every
method with its parameters (name, required flag, accepted types) and return
types, plus the object types reachable from those parameters (fields with the
same three facts, union types with their subtypes, and the constant value of
a discriminating field such as ``type`` or ``status`` where the documentation
names one). Descriptions are left out to keep the file small.

Usage::

    python scripts/derive_botapi_spec.py [path/to/api.min.json] [--output path] [--check]

``--check`` writes nothing and exits with status 1 when the committed file
differs from what the source would produce.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# A copy of ../shared/telegram-bot-api (MIT, see its LICENSE), so the derivation can be checked
# on any clone.
DEFAULT_SOURCE = REPO / "sandbox" / "telegram" / "telegram-bot-api" / "api.min.json"
DEFAULT_OUTPUT = REPO / "sandbox" / "telegram" / "botapi_spec.json"

PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
_CONST = re.compile(r"(?:must be|always)\s+[\"“]?([a-z][a-z0-9_]*)[\"”]?\s*$")


def _element(type_name: str) -> str:
    while type_name.startswith("Array of "):
        type_name = type_name[len("Array of ") :]
    return type_name


def _fields(raw_fields: list[dict[str, Any]], with_const: bool) -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {}
    for field in raw_fields:
        entry: dict[str, Any] = {"required": bool(field["required"]), "types": list(field["types"])}
        if with_const and field["name"] in {"type", "status", "source"}:
            description = " ".join(field.get("description", "").split())
            match = _CONST.search(description.rstrip("."))
            if match:
                entry["const"] = match.group(1)
        fields[field["name"]] = entry
    return fields


def derive(source: dict[str, Any]) -> dict[str, Any]:
    """Return the compact specification for the parsed ``api.min.json``."""
    raw_types: dict[str, Any] = source["types"]
    methods: dict[str, Any] = {}
    pending: list[str] = []
    for name in sorted(source["methods"]):
        method = source["methods"][name]
        params = _fields(method.get("fields", []), with_const=False)
        methods[name] = {"params": params, "returns": list(method["returns"])}
        pending.extend(_element(t) for p in params.values() for t in p["types"])

    supertypes: dict[str, list[str]] = {}
    for name, raw in raw_types.items():
        for sub in raw.get("subtypes", []):
            supertypes.setdefault(sub, []).append(name)

    types: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name in PRIMITIVES or name in types or name not in raw_types:
            continue
        raw = raw_types[name]
        entry: dict[str, Any] = {}
        if raw.get("subtypes"):
            entry["subtypes"] = list(raw["subtypes"])
            pending.extend(raw["subtypes"])
        if raw.get("fields"):
            entry["fields"] = _fields(raw["fields"], with_const=name in supertypes)
            pending.extend(_element(t) for f in entry["fields"].values() for t in f["types"])
        types[name] = entry

    return {
        "version": source["version"],
        "release_date": source["release_date"],
        "methods": methods,
        "types": dict(sorted(types.items())),
    }


def render(spec: dict[str, Any]) -> str:
    """Serialise with one method or type per line: compact, yet diffable."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = ["{"]
    lines.append(f'"version":{dump(spec["version"])},')
    lines.append(f'"release_date":{dump(spec["release_date"])},')
    for section in ("methods", "types"):
        lines.append(f'"{section}":{{')
        items = list(spec[section].items())
        for index, (name, body) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            lines.append(f"{dump(name)}:{dump(body)}{comma}")
        lines.append("}," if section == "methods" else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def build(source_path: Path) -> str:
    with source_path.open(encoding="utf-8") as handle:
        return render(derive(json.load(handle)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="only compare with the output file")
    args = parser.parse_args(argv)

    text = build(args.source)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(
                f"{args.output} is out of date; run scripts/derive_botapi_spec.py", file=sys.stderr
            )
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    spec = json.loads(text)
    print(f"wrote {args.output}: {len(spec['methods'])} methods, {len(spec['types'])} types")
    return 0


if __name__ == "__main__":
    sys.exit(main())
