"""The journey map: a YAML file validated by a typed model, with templates and match rules."""
