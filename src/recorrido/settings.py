"""The workspace's settings file (``recorrido.yaml``): language, default time zone, connection."""

from __future__ import annotations

import contextlib
import os
import re
import zoneinfo
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML, YAMLError

from recorrido.bounded import TooLarge, yaml_safe_load
from recorrido.errors import RecorridoError, did_you_mean
from recorrido.i18n import LANGUAGES

SETTINGS_FILE = "recorrido.yaml"
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
DATABASE_FILE = "recorrido.duckdb"
#: A schema name that needs no quoting (it is written into SQL as it is).
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


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
    connection_schema: str | None = Field(
        default=None,
        description=(
            "the schema of the PostgreSQL database that holds this workspace's tables, so that "
            "several workspaces share one database (docs/scale.md)"
        ),
    )
    events_table: str | None = Field(
        default=None,
        description=(
            "an existing table (SCHEMA.TABLE) or Parquet folder read as the event table, in "
            "place, without copying (docs/scale.md)"
        ),
    )
    events_columns: dict[str, str] = Field(
        default_factory=dict,
        description="canonical field -> column of events_table (event, timestamp, customer_id...)",
    )

    memory_limit: str | None = Field(
        default=None,
        description=(
            "most memory the embedded DuckDB may use, e.g. 2GB (larger work spills to disk, in "
            "the database's .tmp folder inside the workspace); a quarter of the machine's memory "
            "(or of the container's limit) when empty"
        ),
    )
    retention_months: int | None = Field(
        default=None,
        ge=1,
        description=(
            "events older than this many months are deleted by `recorrido customer retention`; "
            "kept for ever when empty"
        ),
    )

    pseudonymise: bool = Field(
        default=False,
        description=(
            "replace customer_id and anonymous_id by a keyed hash at every ingest (the key in "
            "privacy.key); set before the first ingest, docs/privacy.md"
        ),
    )

    @field_validator("memory_limit")
    @classmethod
    def _memory_limit(cls, value: str | None) -> str | None:
        if value is None or _MEMORY.fullmatch(value.strip()):
            return value.strip() if value else value
        raise RecorridoError("settings_memory_limit", value=value)

    @field_validator("connection_schema")
    @classmethod
    def _connection_schema(cls, value: str | None) -> str | None:
        if value is None or _SCHEMA_NAME.fullmatch(value):
            return value
        raise RecorridoError("scale_schema_name", value=value)

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
            data = yaml_safe_load(path.read_text(encoding="utf-8")) or {}
            return cls(**data)
        except (YAMLError, TypeError, TooLarge) as exc:
            raise RecorridoError("settings_invalid", path=str(path), detail=str(exc)) from exc
        except ValidationError as exc:
            detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise RecorridoError("settings_invalid", path=str(path), detail=detail) from exc


#: The share of the machine's memory DuckDB may use when ``memory_limit`` is not set. DuckDB's
#: own default (80 %) left a 24 GB machine one step from the kernel's out-of-memory killer with a
#: 100 M-event ingest (issue 17.10). A quarter keeps the whole process (DuckDB's buffers, what it
#: allocates outside them, Python) within a third of the machine on that workload
#: (``benchmarks/bench_memory.py``), and leaves the rest of the machine usable.
DEFAULT_MEMORY_SHARE = 0.25


def default_memory_limit() -> str | None:
    """``DEFAULT_MEMORY_SHARE`` of the physical memory or the container's limit, whichever is less
    (``None`` where neither can be read: DuckDB's default then applies)."""
    sizes = []
    with contextlib.suppress(ValueError, OSError, AttributeError):
        sizes.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text(encoding="ascii").strip()
        if limit.isdigit():
            sizes.append(int(limit))
    except OSError:
        pass
    if not sizes:
        return None
    return f"{int(min(sizes) * DEFAULT_MEMORY_SHARE) // 2**20}MiB"


def check_timezone(name: str) -> str:
    """``name`` when it is an IANA time zone; otherwise an error suggesting the closest ones."""
    zones = zoneinfo.available_timezones()
    if name in zones or name == "UTC":
        return name
    suggestion = did_you_mean(name, zones) or "`UTC`, `Europe/Madrid`, `America/Mexico_City`"
    raise RecorridoError("unknown_timezone", name=name, suggestion=suggestion)
