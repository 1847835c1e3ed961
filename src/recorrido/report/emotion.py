"""The emotion curve across the stage columns.

The **designed** curve joins the expected emotion of each stage (the map's ``emotion.score``,
-2..+2). A **measured** curve needs what customers said (survey scores, NPS/CSAT, reviews): it is
drawn only from scores given to :func:`emotion_lane` (``measured={stage_id: score}``), never
derived from behaviour; a stage without such a score has no measured point.

The curve is drawn in pieces, one SVG per stage column, so that it follows the columns at any
width (screen, A3 print): each column draws the second half of the curve coming from the previous
stage and the first half of the curve going to the next. Every piece is a cubic Bézier with flat
tangents at the stage points, split exactly in the middle, so the pieces meet without a kink.
"""

from __future__ import annotations

HEIGHT = 100.0
TOP = 12.0
BOTTOM = 12.0


def score_y(score: float) -> float:
    """The SVG y of an emotion score (+2 at the top, -2 at the bottom)."""
    return TOP + (2.0 - float(score)) / 4.0 * (HEIGHT - TOP - BOTTOM)


def _halves(ya: float, yb: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """The two halves (de Casteljau at t=0.5) of the flat-tangent cubic from (0, ya) to (1, yb)."""
    mid = (ya + yb) / 2
    first = [(0.0, ya), (0.25, ya), (0.375, (3 * ya + yb) / 4), (0.5, mid)]
    second = [(0.5, mid), (0.625, (ya + 3 * yb) / 4), (0.75, yb), (1.0, yb)]
    return first, second


def _path(points: list[tuple[float, float]], shift: float) -> str:
    (x0, y0), *rest = [(50 + 100 * x - shift, y) for x, y in points]
    tail = " ".join(f"{x:.2f} {y:.2f}" for x, y in rest)
    return f"M{x0:.2f} {y0:.2f} C{tail}"


def curve_pieces(scores: list[float | None]) -> list[dict]:
    """Per stage column: ``y`` of its point (None without a score), ``left``/``right`` SVG path
    pieces (``None`` where a neighbour or this stage has no score) and ``left_area``/
    ``right_area``, the same pieces closed down to the neutral line, for a light fill."""
    zero = score_y(0)
    pieces = []
    for i, score in enumerate(scores):
        piece = {"y": None if score is None else score_y(score), "score": score}
        piece["y_percent"] = None if score is None else round(piece["y"] / HEIGHT * 100, 2)
        left = right = None
        if score is not None and i > 0 and scores[i - 1] is not None:
            left = _path(_halves(score_y(scores[i - 1]), score_y(score))[1], 100)
        if score is not None and i + 1 < len(scores) and scores[i + 1] is not None:
            right = _path(_halves(score_y(score), score_y(scores[i + 1]))[0], 0)
        piece["left"] = left
        piece["right"] = right
        piece["left_area"] = f"{left} L50 {zero:.2f} L0 {zero:.2f} Z" if left else None
        piece["right_area"] = f"{right} L100 {zero:.2f} L50 {zero:.2f} Z" if right else None
        pieces.append(piece)
    return pieces


def emotion_lane(journey, measured: dict[str, float] | None = None) -> dict:
    """The designed curve (from the map) and, where given, the measured one, per stage column."""
    designed = [s.emotion.score if s.emotion else None for s in journey.stages]
    measured = measured or {}
    unknown = sorted(set(measured) - {s.id for s in journey.stages})
    if unknown:
        raise KeyError(f"measured emotion for stages not in the map: {unknown}")
    measured_scores = [
        None if measured.get(s.id) is None else max(-2.0, min(2.0, float(measured[s.id])))
        for s in journey.stages
    ]
    return {
        "designed": curve_pieces(designed),
        "measured": curve_pieces(measured_scores),
        "has_measured": any(v is not None for v in measured_scores),
        "has_designed": any(v is not None for v in designed),
        "zero_y": score_y(0),
        "height": HEIGHT,
        "words": [list(s.emotion.words) if s.emotion else [] for s in journey.stages],
    }
