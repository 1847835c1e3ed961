"""Feedback and emotions: survey answers, reviews and posts tied to the map, scored and
summarised.
"""
