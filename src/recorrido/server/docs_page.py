"""``/docs``: the OpenAPI description as one plain HTML page.

FastAPI's Swagger UI loads its scripts from a CDN, which a server on a closed network cannot
reach; this page is built from the same ``/openapi.json`` on the server, with no script at all.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

_STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "code{background:#f3f3f3;padding:0 .2em}h3{margin-bottom:.2rem}"
    ".m{font-weight:700;display:inline-block;min-width:3.5rem}td,th{text-align:left;"
    "padding:.1rem .6rem .1rem 0;vertical-align:top}"
)


def install_docs(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(render(app.openapi()))


def render(spec: dict) -> str:
    info = spec.get("info", {})
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        f"<title>{escape(info.get('title', 'API'))}</title><style>{_STYLE}</style>",
        f"<h1>{escape(info.get('title', 'API'))}</h1>",
        f"<p>{escape(info.get('summary', ''))}</p>",
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a></p>",
    ]
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            parts.append(
                f"<h3><span class='m'>{escape(method.upper())}</span> <code>{escape(path)}</code>"
                "</h3>"
            )
            text = operation.get("description") or operation.get("summary") or ""
            parts.append(f"<p>{escape(text)}</p>")
            parameters = operation.get("parameters", [])
            if parameters:
                parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th></tr>")
                for parameter in parameters:
                    schema = parameter.get("schema", {})
                    kind = schema.get("type") or " | ".join(
                        str(s.get("type")) for s in schema.get("anyOf", [])
                    )
                    parts.append(
                        f"<tr><td><code>{escape(parameter.get('name', ''))}</code></td>"
                        f"<td>{escape(parameter.get('in', ''))}</td><td>{escape(kind)}</td></tr>"
                    )
                parts.append("</table>")
            codes = ", ".join(escape(str(code)) for code in operation.get("responses", {}))
            parts.append(f"<p>Answers: {codes}</p>")
    return "".join(parts)
