"""The web app: server-rendered pages (Jinja + htmx) over the same objects as the CLI and the JSON
API.
"""
