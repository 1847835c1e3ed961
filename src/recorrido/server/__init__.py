"""The server: one ASGI app with the live collection API, the JSON API, the web app and the
automation worker.
"""
