"""Config errors as users read them: `file:line:column: key: what was expected`.

Pydantic's messages are reworded where they read like library internals (union tags,
"Field required"), a misspelt key is reported once with a "did you mean", and positions
come from the YAML node marks.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from mailer.config.yamlsource import YamlDocument, YamlSyntaxError

Tagged = Mapping[str, type[BaseModel]]


def _describe(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if not str(part).startswith("function-")) or "(top)"


def _yaml_path(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's union tags (e.g. 'imap') that are not keys in the YAML."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            path.append(part)
            node = node[part]
    return tuple(path)


def _hint(loc: tuple[Any, ...], model_fields: set[str]) -> str:
    key = str(loc[-1])
    # `token: xoxb-…` is the secret itself: "did you mean 'token_env'?" would invite
    # pasting it there, so say where secrets go instead
    homes = [f for f in (f"{key}_env", f"{key}_file") if f in model_fields]
    if homes:
        where = " or ".join(f"{f}: {'VARIABLE' if f.endswith('_env') else 'PATH'}" for f in homes)
        return (
            "; secrets never go in the config file: keep it in the environment or a file, "
            f"and write {where}"
        )
    close = difflib.get_close_matches(key, sorted(model_fields), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _fields_at(loc: tuple[Any, ...], root: type[BaseModel], tagged: Tagged) -> set[str]:
    """Field names of the model that holds `loc`, for 'did you mean' hints."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        fields = getattr(model, "model_fields", {})
        if part in fields:
            annotation = fields[part].annotation
            model = _model_in(annotation)
        else:
            model = tagged.get(str(part), model)
    fields = getattr(model, "model_fields", {})
    return {info.alias or name for name, info in fields.items()}


def _model_in(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _message(item: Any, loc: tuple[Any, ...], root: type[BaseModel], tagged: Tagged) -> str:
    """Pydantic's message, reworded where it would read like library internals."""
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"unknown key{_hint(loc, _fields_at(loc, root, tagged))}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "union_tag_invalid":
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"{ctx.get('tag')!r} is not a known kind; expected one of: {expected}"
    if kind == "union_tag_not_found":
        return "missing key 'kind' (what this is, e.g. kind: imap)"
    return str(item["msg"]).removeprefix("Value error, ")


def format_validation_errors(
    doc: YamlDocument, error: ValidationError, root: type[BaseModel], tagged: Tagged
) -> list[str]:
    """One `file:line:column: key: what was expected` line per problem."""
    items = error.errors()
    # A misspelt key also shows up as a missing one ("paht" for "path"): report it once.
    misspelt = {
        (tuple(i["loc"][:-1]), close)
        for i in items
        if i["type"] == "extra_forbidden"
        for close in difflib.get_close_matches(
            str(i["loc"][-1]), sorted(_fields_at(tuple(i["loc"]), root, tagged)), n=1
        )
    }
    problems = []
    for item in items:
        loc = tuple(item["loc"])
        if item["type"] == "missing" and (loc[:-1], str(loc[-1])) in misspelt:
            continue
        path = _yaml_path(loc, doc.data)
        if item["type"] == "union_tag_invalid":
            path = (*path, "kind")
        where = doc.position(path, key=item["type"] == "extra_forbidden")
        shown = (*path, loc[-1]) if item["type"] == "missing" else path
        problems.append(f"{where}: {_describe(shown)}: {_message(item, loc, root, tagged)}")
    return problems


_INDENT_HINT = " (check the indentation: each `key: value` on its own line, nested keys indented)"


def describe_yaml_error(error: YamlSyntaxError) -> str:
    """The parser's `file:line:column: problem`, with a hint for the usual cause."""
    hint = _INDENT_HINT if "mapping" in error.problem or "block" in error.problem else ""
    return f"{error}{hint}"
