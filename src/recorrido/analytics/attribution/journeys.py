"""The aggregated path table every attribution model reads.

A *path* is a journey's ordered touches (channel names, touchpoints or campaigns). Journeys with
the same path are counted together: ``conversions`` (journeys that converted), ``value`` (their
summed conversion value) and ``nulls`` (journeys that did not convert). This is the shape that
marketing tools export and ChannelAttribution reads, and the only thing that leaves the engine.

**Channel names that contain the separator.** A path is split on the separator as an exact
string, so with the default ``" > "`` a channel called ``a>b`` or ``A - B`` survives untouched. A
name that contains the separator itself is written with a backslash before the separator
(``news\\ > letter`` with separator ``" > "``); a literal backslash is written ``\\\\``. Paths built
from a workspace are escaped this way in the engine, so any channel name round-trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_SEPARATOR = " > "
ESCAPE = "\\"


def split_path(text: str, separator: str = DEFAULT_SEPARATOR) -> tuple[str, ...]:
    """The touches of a path string, trimmed; a backslash escapes the separator or itself."""
    if ESCAPE not in text:
        return tuple(part.strip() for part in text.split(separator))
    parts: list[str] = []
    current: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith(ESCAPE, i) and i + 1 < n:
            following = text[i + 1 :]
            if following.startswith(separator):
                current.append(separator)
                i += 1 + len(separator)
                continue
            if following.startswith(ESCAPE):
                current.append(ESCAPE)
                i += 2
                continue
        if text.startswith(separator, i):
            parts.append("".join(current).strip())
            current = []
            i += len(separator)
            continue
        current.append(text[i])
        i += 1
    parts.append("".join(current).strip())
    return tuple(parts)


def join_path(touches: Iterable[str], separator: str = DEFAULT_SEPARATOR) -> str:
    """The path string of ``touches``, escaped so that :func:`split_path` gives them back."""
    return separator.join(
        t.replace(ESCAPE, ESCAPE + ESCAPE).replace(separator, ESCAPE + separator) for t in touches
    )


@dataclass(frozen=True)
class PathTable:
    """Distinct paths with their converted, null and value totals (one entry per path)."""

    paths: list[tuple[str, ...]]
    conversions: np.ndarray
    value: np.ndarray | None
    nulls: np.ndarray

    @classmethod
    def build(
        cls,
        paths: Sequence[Sequence[str]],
        conversions: Sequence[float],
        value: Sequence[float] | None = None,
        nulls: Sequence[float] | None = None,
    ) -> PathTable:
        """Identical paths merged (sums), empty paths and all-zero rows left out."""
        frame = pd.DataFrame(
            {
                "path": [tuple(p) for p in paths],
                "conversions": np.asarray(conversions, dtype="float64"),
                "value": np.asarray(value if value is not None else np.zeros(len(paths)), "f8"),
                "nulls": np.asarray(nulls if nulls is not None else np.zeros(len(paths)), "f8"),
            }
        )
        frame = frame[frame["path"].map(len) > 0]
        grouped = frame.groupby("path", sort=True)[["conversions", "value", "nulls"]].sum()
        grouped = grouped[(grouped["conversions"] > 0) | (grouped["nulls"] > 0)]
        return cls(
            paths=list(grouped.index),
            conversions=grouped["conversions"].to_numpy(),
            value=grouped["value"].to_numpy() if value is not None else None,
            nulls=grouped["nulls"].to_numpy(),
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        path: str = "path",
        conversions: str = "conversions",
        value: str | None = "value",
        nulls: str | None = "nulls",
        separator: str = DEFAULT_SEPARATOR,
    ) -> PathTable:
        """From a DataFrame whose ``path`` column holds path strings or lists of touches.

        ``value`` and ``nulls`` may name absent columns (then: no value, no null journeys).
        """
        raw = frame[path]
        touches = [
            split_path(p, separator) if isinstance(p, str) else tuple(str(t) for t in p)
            for p in raw
        ]
        has_value = value is not None and value in frame.columns
        has_nulls = nulls is not None and nulls in frame.columns
        return cls.build(
            touches,
            frame[conversions].to_numpy(dtype="float64"),
            frame[value].to_numpy(dtype="float64") if has_value else None,
            frame[nulls].to_numpy(dtype="float64") if has_nulls else None,
        )

    @property
    def has_value(self) -> bool:
        return self.value is not None

    @property
    def channels(self) -> list[str]:
        return sorted({t for p in self.paths for t in p})

    @property
    def total_conversions(self) -> float:
        return float(self.conversions.sum())

    @property
    def total_value(self) -> float:
        return float(self.value.sum()) if self.value is not None else 0.0

    @property
    def total_nulls(self) -> float:
        return float(self.nulls.sum())

    def converted(self) -> tuple[list[tuple[str, ...]], np.ndarray, np.ndarray]:
        """Paths with at least one conversion, their conversions and values."""
        keep = np.flatnonzero(self.conversions > 0)
        values = self.value if self.value is not None else np.zeros(len(self.paths))
        return [self.paths[i] for i in keep], self.conversions[keep], values[keep]

    def to_frame(self, separator: str = DEFAULT_SEPARATOR) -> pd.DataFrame:
        """The table as ``path`` (escaped string), ``conversions``, ``value``, ``nulls``."""
        return pd.DataFrame(
            {
                "path": [join_path(p, separator) for p in self.paths],
                "conversions": self.conversions,
                "value": self.value if self.value is not None else np.nan,
                "nulls": self.nulls,
            }
        )
