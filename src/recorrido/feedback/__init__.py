"""Feedback and emotions: survey answers, reviews and posts tied to the map, scored and
summarised.

- :func:`ingest_feedback` — files into the workspace's ``feedback`` table;
- :func:`emotion_curve` — the measured emotion curve of a map (``.to_dict()`` for JSON, report,
  web).
"""

from recorrido.feedback.curve import EmotionCurve, emotion_curve
from recorrido.feedback.ingest import FeedbackReport, ingest_feedback

__all__ = ["EmotionCurve", "FeedbackReport", "emotion_curve", "ingest_feedback"]
