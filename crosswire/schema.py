"""Generate the JSON Schema of ``crosswire analyze --json`` output from the record dataclasses."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from crosswire.records import Article, Claim, Entity, Statement, Story, TimelineEvent

SCHEMA_FILE = "output.schema.json"


def output_schema() -> dict[str, Any]:
    """Build the schema of the JSON document; item schemas come from the records themselves."""
    from pydantic import TypeAdapter

    def items(cls: type) -> dict[str, Any]:
        return TypeAdapter(cls).json_schema(ref_template="#/$defs/{model}")

    defs: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for key, cls in (
        ("articles", Article),
        ("stories", Story),
        ("statements", Statement),
        ("entities", Entity),
        ("claims", Claim),
        ("timeline", TimelineEvent),
    ):
        schema = items(cls)
        defs.update(schema.pop("$defs", {}))
        defs[cls.__name__] = schema
        properties[key] = {"type": "array", "items": {"$ref": f"#/$defs/{cls.__name__}"}}
    properties["framing"] = {"type": "object", "description": "story id -> framing comparison"}
    properties["summaries"] = {"type": "object", "description": "story id -> claim summary"}
    properties["crosswire_version"] = {"type": "string"}
    properties["generated_at"] = {"type": "string"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "crosswire analysis",
        "description": "Output of `crosswire analyze --json`: every span is (start, end, text) "
        "into its article's stored text.",
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "$defs": defs,
    }


def stored_schema() -> dict[str, Any]:
    """Return the schema file shipped with the package."""
    text = resources.files("crosswire").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)
