"""The flow band: customers reaching each stage as a bar, and the customers who go on to the next
stage as a band whose thickness is proportional to their number.

Like the emotion curve it is drawn one SVG per stage column (see :mod:`recorrido.report.emotion`):
the bars are aligned at the top, so the band from one stage to the next is straight; below it,
a stub curving down shows the customers of this stage who did **not** reach the next one, and on
the next stage a grey stub shows those who reached it **without** passing through this one.

The figures are the measured map's: ``customers`` per stage and ``conversion_from_previous``
(the share of the previous stage's customers who also reached this one), so the band carries
``round(customers_before × conversion_from_previous)`` customers.
"""

from __future__ import annotations

HEIGHT = 100.0
TOP = 10.0
MAX_BAR = 64.0
MIN_BAR = 1.5
BAR_HALF = 4.0
DROP = 22.0


def flow_pieces(stages: list[dict]) -> list[dict]:
    """Per stage column, from the measured map's stage rows (in map order): the bar, the band to
    the next stage and the stubs, as SVG geometry (viewBox ``0 0 100 100``), plus the counts."""
    counts = [int(s.get("customers") or 0) for s in stages]
    biggest = max(counts, default=0)
    scale = MAX_BAR / biggest if biggest else 0.0

    def thick(n: int) -> float:
        return 0.0 if n <= 0 else max(MIN_BAR, n * scale)

    onward = []
    for i, count in enumerate(counts):
        if i + 1 < len(stages):
            share = stages[i + 1].get("conversion_from_previous")
            onward.append(round(count * share) if share is not None and count else 0)
        else:
            onward.append(None)
    pieces = []
    for i, count in enumerate(counts):
        bar = thick(count)
        came = onward[i - 1] if i > 0 else None
        goes = onward[i]
        piece = {
            "customers": count,
            "bar": {"x": 50 - BAR_HALF, "y": TOP, "w": 2 * BAR_HALF, "h": bar},
            "empty": count == 0,
            "onward": goes,
            "left_band": None,
            "right_band": None,
            "drop": None,
            "entry": None,
        }
        if came:
            band = thick(came)
            piece["left_band"] = {"x": 0, "y": TOP, "w": 50 - BAR_HALF, "h": band}
            rest = bar - band
        else:
            rest = bar if i > 0 else 0.0
        if i > 0 and rest > 0.5:
            # Reached this stage without passing through the previous one.
            y0, y1 = TOP + bar - rest, TOP + bar
            x = 50 - BAR_HALF
            piece["entry"] = (
                f"M{x - 26:.2f} {y0 + 18:.2f} C{x - 12:.2f} {y0 + 18:.2f} {x - 10:.2f} {y0:.2f} "
                f"{x:.2f} {y0:.2f} L{x:.2f} {y1:.2f} C{x - 10:.2f} {y1:.2f} {x - 12:.2f} "
                f"{y1 + 18:.2f} {x - 26:.2f} {y1 + 18:.2f} Z"
            )
        if goes is not None:
            band = thick(goes)
            if goes:
                piece["right_band"] = {"x": 50 + BAR_HALF, "y": TOP, "w": 50 - BAR_HALF, "h": band}
            lost = bar - band
            if count and lost > 0.5:
                # This stage's customers who did not reach the next stage.
                y0, y1 = TOP + band, TOP + bar
                x = 50 + BAR_HALF
                piece["drop"] = (
                    f"M{x:.2f} {y0:.2f} C{x + 12:.2f} {y0:.2f} {x + 12:.2f} {y0 + DROP:.2f} "
                    f"{x + 26:.2f} {y0 + DROP:.2f} L{x + 26:.2f} {y1 + DROP:.2f} C{x + 12:.2f} "
                    f"{y1 + DROP:.2f} {x + 12:.2f} {y1:.2f} {x:.2f} {y1:.2f} Z"
                )
        pieces.append(piece)
    return pieces
