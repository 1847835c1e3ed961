"""Predictions: features in the engine, propensity, lifetime value, next step and next best
action.
"""
