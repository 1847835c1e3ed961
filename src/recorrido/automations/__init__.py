"""Automations on the map: definitions, the durable engine binding, actions, the outbox and the
dry run.
"""
