"""A rule's parameters from the sites file, validated strictly: one place for every rule.

YAML quoting matters to people ("14", "no") but must not silently change a rule: a quoted
number or boolean is an error naming the key, never a rule left on or a crash after the crawl.
Every problem of a rule is reported at once (``parse`` returns them all).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, get_args, get_origin, get_type_hints

from pydantic import ConfigDict, TypeAdapter, ValidationError

_STRICT = ConfigDict(strict=True)
_EXPECTED = {"int_type": "an integer", "float_type": "a number", "bool_type": "true or false",
             "string_type": "a string", "tuple_type": "a list", "list_type": "a list", "dict_type": "a mapping"}


@dataclasses.dataclass(frozen=True)
class ParamError:
    key: str | None  # the parameter (None: the rule as a whole)
    message: str

    @property
    def text(self) -> str:
        return f"parameter {self.key!r}: {self.message}" if self.key else self.message


def describe_value(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", tuple: "list",
             dict: "mapping", type(None): "nothing (null)"}
    name = names.get(type(value), type(value).__name__)
    return name if value is None or isinstance(value, (list, tuple, dict)) else f"{name} {value!r}"


def enabled(overrides: dict[str, Any] | None) -> bool:
    """Whether a rule is on; only a real boolean ``false`` switches it off (parse rejects others)."""
    return (overrides or {}).get("enabled", True) is not False


def _hints(params_cls: type) -> dict[str, Any]:
    try:
        return get_type_hints(params_cls)
    except Exception:  # an annotation that does not resolve: judge by the default's type
        return {f.name: type(f.default) for f in dataclasses.fields(params_cls)
                if f.default is not dataclasses.MISSING}


def _is_tuple(hint: Any) -> bool:
    return hint is tuple or get_origin(hint) is tuple


def _check_value(hint: Any, value: Any) -> tuple[Any, str | None]:
    if hint is Any or hint is typing.Any:
        return value, None
    if _is_tuple(hint):
        if isinstance(value, str) and get_args(hint)[:1] == (str,):
            value = (value,)  # one item may be written alone: `extra_lexicons: local.yaml`
        elif isinstance(value, list):
            value = tuple(value)
    try:
        return TypeAdapter(hint, config=_STRICT).validate_python(value), None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        expected = _EXPECTED.get(err["type"], err["msg"].lower())
        shown = value if not where else _at(value, err["loc"])
        return None, f"{'item' + where + ': ' if where else ''}expected {expected}, got {describe_value(shown)}"
    except Exception:  # a type pydantic cannot validate: accept what the check declared
        return value, None


def _at(value: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return value
    return value


def parse(params_cls: type, overrides: dict[str, Any] | None) -> tuple[Any, list[ParamError]]:
    """(the Params instance, []) or (None, every problem): unknown keys, wrong types, a quoted
    ``enabled``, and what the Params' own ``__post_init__`` refuses."""
    overrides = dict(overrides or {})
    errors: list[ParamError] = []
    if "enabled" in overrides and not isinstance(overrides["enabled"], bool):
        errors.append(ParamError("enabled", f"expected true or false, got {describe_value(overrides['enabled'])}"))
    overrides.pop("enabled", None)
    fields = {f.name for f in dataclasses.fields(params_cls)}
    hints = _hints(params_cls)
    values: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in fields:
            errors.append(ParamError(key, f"unknown parameter (known: {', '.join(sorted(fields)) or 'none'})"))
            continue
        checked, why = _check_value(hints.get(key, Any), value)
        if why:
            errors.append(ParamError(key, why))
        else:
            values[key] = checked
    if errors:
        return None, errors
    try:
        return params_cls(**values), []
    except (ValueError, TypeError) as exc:  # the rule's own checks (a bad lexicon, a bad date)
        text = str(exc)
        key = next((k for k in values if f"'{k}'" in text), None)
        return None, [ParamError(key, text.removeprefix(f"parameter '{key}': ") if key else text)]


@dataclasses.dataclass
class RuleSet:
    """The sites file's ``rules:`` applied to a registry: what runs, with which parameters."""

    params: dict[str, Any]  # rule id -> Params in effect, for every enabled rule whose entry is valid
    disabled: set[str]  # switched off with `enabled: false` (a known rule or not)
    errors: list[tuple[str, ParamError]]  # (rule id, problem), every one of them
    unknown: list[str]  # rules the sites file names but no check (loaded) defines


def resolve(checks: dict[str, type], rules: dict[str, dict[str, Any]],
            beside: typing.Callable[[Any], Any] = lambda value: value) -> RuleSet:
    """Every rule's parameters in effect from the sites file's ``rules:`` entries; ``beside``
    turns a relative path (of a check's ``path_params``) into one beside the sites file."""
    out = RuleSet({}, set(), [], [])
    for rule, overrides in rules.items():
        overrides = overrides or {}
        if rule not in checks:
            if not isinstance(overrides.get("enabled", True), bool):
                out.errors.append((rule, ParamError("enabled", "expected true or false, got "
                                                    + describe_value(overrides["enabled"]))))
            elif enabled(overrides):
                out.unknown.append(rule)
            else:
                out.disabled.add(rule)  # off anyway: a plugin not installed (or not loading) is fine
    for rule, cls in checks.items():
        overrides = dict(rules.get(rule) or {})
        for key in getattr(cls, "path_params", ()):
            if isinstance(overrides.get(key), (str, list)):
                overrides[key] = beside(overrides[key])
        if overrides.get("enabled") is False:  # not run: its parameters are not loaded (a lexicon file)
            out.disabled.add(rule)
            continue
        params, errors = cls.param_errors(overrides)
        out.errors += [(rule, e) for e in errors]
        if params is not None:
            out.params[rule] = params
    return out
