"""Reads the OpenAPI contracts so routing and request validation come from the specs, not from hand-written lists."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
SPEC_FILES = {
    "govern": "govern.openapi.yaml",
    "dss": "dss-deployer.openapi.yaml",
    "apinode": "apinode-admin.openapi.yaml",
}
_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Operation:
    """One spec operation: what the router and the body validator need to know about it."""

    operation_id: str
    method: str  # upper case
    path: str  # spec template, relative to the base path, e.g. /artifacts/{artifactId}
    secured: bool
    body_media: str | None  # "application/json", "multipart/form-data" or None
    body_required: bool
    body_validator: Draft202012Validator | None

    @property
    def stats_key(self) -> str:
        """Key used by the request statistics: ``"METHOD /spec/template"``."""
        return f"{self.method} {self.path}"

    @property
    def werkzeug_rule(self) -> str:
        """The spec template in werkzeug syntax; the default converter never matches ``/``."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)

    def body_error(self, body: Any) -> str | None:
        """Return a readable message if ``body`` violates the request schema, else None."""
        if self.body_validator is None:
            return None
        error = best_match(self.body_validator.iter_errors(body))
        if error is None:
            return None
        where = "/".join(str(part) for part in error.absolute_path) or "(body)"
        return f"{where}: {error.message}"


@functools.cache
def load_spec(name: str) -> dict:
    """Load one contract (``govern``, ``dss`` or ``apinode``) as a dict, once per process."""
    with open(CONTRACTS_DIR / SPEC_FILES[name], encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _lookup(spec: dict, ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def resolve(spec: dict, node: Any) -> Any:
    """Inline every local ``$ref`` (the contracts have no recursive schemas)."""
    if isinstance(node, list):
        return [resolve(spec, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = resolve(spec, _lookup(spec, node["$ref"]))
        siblings = {key: resolve(spec, value) for key, value in node.items() if key != "$ref"}
        return {**target, **siblings}
    return {key: resolve(spec, value) for key, value in node.items()}


@functools.cache
def operations(name: str) -> tuple[Operation, ...]:
    """Every operation of a contract, in spec order."""
    spec = load_spec(name)
    default_security = spec.get("security", [])
    found = []
    for path, item in spec["paths"].items():
        for method in _METHODS:
            if method not in item:
                continue
            op = item[method]
            media, required, validator = None, False, None
            if "requestBody" in op:
                body = resolve(spec, op["requestBody"])
                required = bool(body.get("required"))
                media = next(iter(body["content"]))
                if media == "application/json":
                    validator = Draft202012Validator(body["content"][media]["schema"])
            found.append(
                Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    secured=bool(op.get("security", default_security)),
                    body_media=media,
                    body_required=required,
                    body_validator=validator,
                )
            )
    return tuple(found)
