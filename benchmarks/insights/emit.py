"""Column-wise event writing with noise, shared by the generators of ``benchmarks/insights``.

Noise that changes nobody's chance of reaching the goal, as real exports have it:

- **extra events**: before any event, with probability ``extra``, a stray event (a notification
  opened, a help page) on the same channel (before, not after: a stray event after a customer's
  last step would read as where they stopped);
- **out of order**: with probability ``disorder`` an event is stamped a few seconds *before* the
  customer's previous one (clocks of two systems; the order in the file is not the order in time);
- **duplicates**: with probability ``duplicate`` a row is written twice with the same
  ``event_id`` (ingest drops it), and with the same probability the event is sent again one
  second later under a new id (a double click: it stays in the data).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd


class Events:
    """Rows of one data set, kept as columns (a million customers fit in memory)."""

    def __init__(
        self, rng, start: datetime, *, stray: tuple[str, ...], properties: tuple[str, ...]
    ):
        self.rng = rng
        self.start = start
        self.stray = stray
        self.properties = properties
        self.columns: dict[str, list] = {
            k: [] for k in ("customer_id", "timestamp", "event", "channel", *properties)
        }
        self.ids: list[str] = []
        self.extra = 0.03
        self.disorder = 0.01
        self.duplicate = 0.005
        self._next = 0
        self._last: tuple[str | None, float] = (None, 0.0)

    def _row(self, cid, seconds, event, channel, props, event_id=None):
        c = self.columns
        c["customer_id"].append(cid)
        c["timestamp"].append(seconds)
        c["event"].append(event)
        c["channel"].append(channel)
        for key in self.properties:
            c[key].append(props.get(key))
        if event_id is None:
            event_id = f"e{self._next}"
            self._next += 1
        self.ids.append(event_id)
        return event_id

    def emit(self, cid: str, seconds: float, event: str, channel: str, props: dict) -> None:
        """One event at ``seconds`` after ``start``, with the noise of the module text."""
        rng = self.rng
        if self.stray and rng.random() < self.extra:
            self._row(cid, seconds - rng.uniform(1, 20), rng.choice(self.stray), channel, props)
        stamp = seconds
        if rng.random() < self.disorder and self._last[0] == cid:
            stamp = self._last[1] - rng.uniform(1, 10)
        self._last = (cid, seconds)
        event_id = self._row(cid, stamp, event, channel, props)
        r = rng.random()
        if r < self.duplicate:
            self._row(cid, stamp, event, channel, props, event_id)
        elif r < 2 * self.duplicate:
            self._row(cid, stamp + 1, event, channel, props)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.columns)
        base = pd.Timestamp(self.start)
        frame["timestamp"] = base + pd.to_timedelta(frame["timestamp"], unit="s")
        frame["event_id"] = self.ids
        return frame

    def write(self, path) -> None:
        self.frame().to_parquet(path, index=False)


DAY = 86400.0


def days_after(start: datetime, day: float) -> datetime:
    return start + timedelta(days=day)
