"""The pricing service: the engine behind a small HTTP API (`tariff serve`).

Modules, in the order a request meets them:
`config.py` (settings, passed to worker processes through the environment),
`reload.py` (the serving tariff set, reloaded off the request path),
`logs.py` (one JSON line per request), `app.py` (routes and handlers),
`inputs.py` (the body and the query, bounded), `listings.py` (tariff listings),
`problems.py` (errors as RFC 9457 problem details), `openapi.py` (the API
description, built from `schemas/*.json`).

Only `app.py` and `inputs.py` import the `server` extra (starlette; uvicorn runs
them); the rest is plain Python over the engine.
"""

SERVER_EXTRA_HINT = "install the server extra: pip install 'tariff-engine[server]' (or pip install '.[server]' in a checkout)"
