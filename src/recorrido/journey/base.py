"""What every part of a map shares: strict models (a typo is an error) and the small value types.

Values that YAML can spell in more than one way (one name or a list of names; a number or a text)
are plain ``Any`` fields with a checking function instead of pydantic unions, so an error points at
the field itself rather than at one branch of a union, and the JSON Schema still says both forms.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError


class MapModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        validate_assignment=True,
    )


def _names(value: Any) -> Any:
    """One name or a list of names, always kept as a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise PydanticCustomError("wrong_type", "expected a name or a list of names", {"kind": "names"})


def _scalar(value: Any) -> Any:
    """A text, a number or true/false (the value a property is compared with)."""
    if isinstance(value, str | bool):
        return value
    return _number(value)


def _number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return int(value) if isinstance(value, int) else float(value)
    raise PydanticCustomError("wrong_type", "expected a number", {"kind": "number"})


def _target(value: Any) -> Any:
    """A target: a number (0.03) or a text (``3 %``, ``+10 NPS``)."""
    if isinstance(value, str):
        return value
    return _number(value)


_STRING = {"type": "string"}
_NUMBER = {"type": "number"}

Names = Annotated[
    list[str],
    BeforeValidator(_names),
    WithJsonSchema({"anyOf": [_STRING, {"type": "array", "items": _STRING, "minItems": 1}]}),
]
Scalar = Annotated[
    Any,
    BeforeValidator(_scalar),
    WithJsonSchema({"anyOf": [_STRING, _NUMBER, {"type": "boolean"}]}),
]
Number = Annotated[Any, BeforeValidator(_number), WithJsonSchema(_NUMBER)]
Target = Annotated[Any, BeforeValidator(_target), WithJsonSchema({"anyOf": [_NUMBER, _STRING]})]
