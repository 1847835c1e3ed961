"""The change scan scores its windows a block of lengths at a time (``change_scan._SCAN_CELLS``, to
bound memory on long series): the best window must not depend on where the blocks fall, ties
included (the first window of the highest |z| in (length, start) order wins)."""

from __future__ import annotations

import numpy as np
import pytest

from recorrido.insights import change_scan


def _series(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    bins = int(rng.integers(8, 160))
    n = rng.integers(0, 80, bins).astype(float)
    n[rng.random(bins) < 0.1] = 0  # empty bins
    k = rng.binomial(n.astype(int), 0.2).astype(float)
    if seed % 3 == 0:
        k = np.round(n * 0.25)  # flat rates: many tied windows
    if seed % 2 == 0:
        k[bins // 3 : bins // 2] = n[bins // 3 : bins // 2]  # a planted change
    return k, n


@pytest.mark.parametrize("cells", [1, 7, 64])
def test_same_best_window_whatever_the_blocks(monkeypatch, cells):
    wanted = {seed: change_scan.scan(*_series(seed)) for seed in range(40)}
    assert any(c is not None and c.p < 0.01 for c in wanted.values())  # the planted ones
    monkeypatch.setattr(change_scan, "_SCAN_CELLS", cells)
    for seed, best in wanted.items():
        assert change_scan.scan(*_series(seed)) == best, seed
