"""One parameter object per operation: a pydantic model used by the route (its request body), the service
(its argument) and the CLI (its options), so a new option is one field in one place.

A field's range is declared once, in its ``Field(ge=..., le=...)`` (and so in the OpenAPI schema); a value
outside it is refused as an :class:`~backend.errors.InputError` naming the field (``steps: Input should be
greater than or equal to 1``) however the model is built (the API answers 422, the CLI prints one line).

:class:`Parameters` adds what the three need besides validation: :meth:`Parameters.from_dict` (a task's
stored params, unknown keys ignored, errors as :class:`~backend.errors.InputError`),
:meth:`Parameters.to_dict` (canonical JSON for a task run), :meth:`Parameters.add_arguments` (one
``argparse`` option per field, with the field's default, description and choices) and
:meth:`Parameters.from_args` (the model from the parsed options).
"""

from __future__ import annotations

import argparse
import json
import types
from typing import Any, Literal, Self, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError

from backend.errors import InputError


def describe_errors(error: ValidationError) -> str:
    """``field: message; ...``, the way the API's 422 answers read."""
    parts = []
    for item in error.errors():
        where = " ".join(str(p) for p in item.get("loc", ()))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) or "invalid parameters"


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON ({error})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object, e.g. '{\"widths\": [16, 32]}'")
    return value


def _plain(annotation: Any) -> tuple[Any, bool]:
    """``(annotation without None, whether None was allowed)``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), len(args) < len(get_args(annotation))
    return annotation, False


class Parameters(BaseModel):
    """Base of the operations' parameter models (extra keys ignored: a task's params carry its keys too)."""

    model_config = ConfigDict(extra="ignore")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise InputError(describe_errors(error)) from None

    @classmethod
    def build(cls, **values: Any) -> Self:
        """The model from keyword values, refused with an :class:`InputError` (4xx, a one-line CLI error)."""
        return cls.from_dict(values)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise InputError(describe_errors(error)) from None

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, flags: dict[str, str] | None = None,
                      skip: tuple[str, ...] = ()) -> None:
        """One option per field: ``--batch-size`` for ``batch_size`` (``flags`` renames one), its default and
        description as the help, a ``Literal``'s values as choices, a list as a repeatable option, a dict
        as a JSON object."""
        flags = flags or {}
        for name, info in cls.model_fields.items():
            if name in skip:
                continue
            flag = flags.get(name, "--" + name.replace("_", "-"))
            annotation, _ = _plain(info.annotation)
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            options: dict[str, Any] = {"dest": name, "help": info.description or "",
                                       "metavar": flag.lstrip("-").upper().replace("-", "_")}
            origin = get_origin(annotation)
            # every argparse default is None, so an option left out is left out of the values (a field's
            # default then comes from the model, or from what a model validator fills in, as a recipe does)
            if origin is Literal:
                options.update(choices=list(get_args(annotation)), default=None, metavar=None)
            elif origin is list:
                (item,) = get_args(annotation) or (str,)
                options.update(type=item, action="append", default=None)
                options["help"] += " (repeat for several)"
                if default:
                    options["help"] += f" (default {', '.join(map(str, default))})"
            elif origin is dict or annotation is dict:
                options.update(type=_json_object, default=None, metavar="JSON")
            elif annotation is bool:
                options.update(action=argparse.BooleanOptionalAction, default=None, metavar=None)
            else:
                options.update(type=annotation, default=None)
            if default not in (None, [], {}) and origin is not list:
                options["help"] = f"{options['help']} (default {default})".strip()
            parser.add_argument(flag, **options)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Self:
        """The model from options :meth:`add_arguments` registered (options left out keep their default)."""
        values = {name: getattr(args, name) for name in cls.model_fields
                  if getattr(args, name, None) is not None}
        return cls.from_dict(values)
