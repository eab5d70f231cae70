"""infra/ parsed with python-hcl2, and what the code reads from its environment, for the infra tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
RUNTIME_PROVIDED = {"K_SERVICE", "PORT"}  # set by Cloud Run and Cloud Functions themselves


def unquote(value: Any) -> Any:
    return value[1:-1] if isinstance(value, str) and value.startswith('"') and value.endswith('"') else value


def strip(value: Any) -> Any:
    """Parsed HCL without its quoting and block markers."""
    if isinstance(value, dict):
        return {unquote(k): strip(v) for k, v in value.items() if k not in ("__is_block__", "__comments__")}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return unquote(value)


def load() -> dict[str, Any]:
    """Every .tf file of infra/, merged: resources by kind and name, and the locals."""
    merged: dict[str, Any] = {"resource": {}, "locals": {}, "data": {}}
    for path in sorted(INFRA.glob("*.tf")):
        parsed = strip(hcl2.load(path.open()))
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                merged["resource"].setdefault(kind, {}).update(named)
        for block in parsed.get("locals", []):
            merged["locals"].update(block)
    return merged


def resource(tf: dict, kind: str, name: str) -> dict[str, Any]:
    return tf["resource"][kind][name]


def settings_fields(node: ast.ClassDef) -> set[str]:
    """The variables a pydantic-settings class reads: each field's name in capitals, or its alias."""
    names = set()
    for field in node.body:
        if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name):
            alias = next(
                (
                    k.value.value
                    for call in ast.walk(field)
                    if isinstance(call, ast.Call)
                    for k in call.keywords
                    if k.arg == "validation_alias" and isinstance(k.value, ast.Constant)
                ),
                None,
            )
            names.add(alias or field.target.id.upper())
    return names


def env_names_read(*folders: str) -> set[str]:
    """Environment variables the code reads: env("X"), os.environ.get("X"), os.environ["X"],
    "X" in os.environ, and the fields of pydantic-settings classes."""
    names = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and any(
                    ast.unparse(b) == "BaseSettings" for b in node.bases
                ):
                    names |= settings_fields(node)
                elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                    func = ast.unparse(node.func)
                    if func in ("env", "os.environ.get", "os.getenv", "os.environ.setdefault"):
                        names.add(node.args[0].value)
                elif (
                    isinstance(node, ast.Subscript)
                    and ast.unparse(node.value) == "os.environ"
                    and isinstance(node.slice, ast.Constant)
                ):
                    names.add(node.slice.value)
                elif (
                    isinstance(node, ast.Compare)
                    and isinstance(node.left, ast.Constant)
                    and any(ast.unparse(c) == "os.environ" for c in node.comparators)
                ):
                    names.add(node.left.value)
    return {n for n in names if isinstance(n, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", n)}
