"""The ``recorrido`` command's launcher: what runs before the command line loads its libraries.

A read command whose workspace is held by a running server is answered by that server; asking it
needs only the standard library and Rich, so the launcher does that first and loads the whole
command line (Typer, DuckDB, Ibis, pandas: about 1.7 s) only when it must.
"""
