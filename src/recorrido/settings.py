"""The workspace's settings file (``recorrido.yaml``): language, default time zone, connection."""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML, YAMLError

from recorrido.errors import RecorridoError, did_you_mean
from recorrido.i18n import LANGUAGES

SETTINGS_FILE = "recorrido.yaml"
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
DATABASE_FILE = "recorrido.duckdb"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    language: str = Field(default="es", description="language of messages and reports: es or en")
    timezone: str = Field(
        default="UTC", description="time zone of source timestamps written without an offset"
    )
    database: str = Field(
        default=DATABASE_FILE, description="DuckDB file, relative to the workspace folder"
    )
    connection: str | None = Field(
        default=None,
        description="an Ibis connection URL (e.g. postgres://...) used instead of the DuckDB file",
    )

    memory_limit: str | None = Field(
        default=None,
        description=(
            "most memory the embedded DuckDB may use, e.g. 2GB (larger work spills to disk); "
            "DuckDB's default (80 % of RAM) when empty"
        ),
    )

    @field_validator("memory_limit")
    @classmethod
    def _memory_limit(cls, value: str | None) -> str | None:
        if value is None or _MEMORY.fullmatch(value.strip()):
            return value.strip() if value else value
        raise RecorridoError("settings_memory_limit", value=value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise RecorridoError("unknown_language", name=value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)

    def save(self, folder: Path) -> None:
        yaml = YAML()
        yaml.default_flow_style = False
        with (folder / SETTINGS_FILE).open("w", encoding="utf-8") as handle:
            handle.write("# recorrido workspace settings\n")
            yaml.dump(self.model_dump(), handle)

    @classmethod
    def load(cls, folder: Path) -> Settings:
        path = folder / SETTINGS_FILE
        try:
            data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
            return cls(**data)
        except (YAMLError, TypeError) as exc:
            raise RecorridoError("settings_invalid", path=str(path), detail=str(exc)) from exc
        except ValidationError as exc:
            detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise RecorridoError("settings_invalid", path=str(path), detail=detail) from exc


def check_timezone(name: str) -> str:
    """``name`` when it is an IANA time zone; otherwise an error suggesting the closest ones."""
    zones = zoneinfo.available_timezones()
    if name in zones or name == "UTC":
        return name
    suggestion = did_you_mean(name, zones) or "`UTC`, `Europe/Madrid`, `America/Mexico_City`"
    raise RecorridoError("unknown_timezone", name=name, suggestion=suggestion)
