"""HTTP API: one flask-smorest blueprint per resource."""

from __future__ import annotations

from flask import Flask

from mcbackend import __version__
from mcbackend.api import (
    aftersales,
    analytics,
    catalog,
    configurator,
    documents,
    files,
    orders,
    planning,
    plant,
    quotes,
    tenant,
    tracking,
    units,
    webhooks,
)
from mcbackend.api.base import Api, IdConverter, close_unused_session

API_DESCRIPTION = """\
mcbackend takes a mass-customization manufacturer from a customer's configuration to a
scheduled, printable production job and a live customer timeline.

Authenticate with `Authorization: Bearer <api key>`. Every error is an RFC 9457
`application/problem+json` document with a stable `code` and field-level `errors`.
List endpoints take `page` and `page_size` and report totals in the `X-Pagination` header.
"""

BLUEPRINTS = (
    tenant.blp,
    catalog.blp,
    configurator.blp,
    quotes.blp,
    orders.blp,
    units.blp,
    plant.blp,
    planning.blp,
    files.blp,
    tracking.blp,
    documents.blp,
    aftersales.blp,
    analytics.blp,
    webhooks.blp,
)


def init_api(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "mcbackend")
    app.config.setdefault("API_VERSION", __version__)
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "https://cdn.jsdelivr.net/npm/swagger-ui-dist/")
    app.url_map.converters["int"] = IdConverter  # before any route is added
    api = Api(
        app,
        spec_kwargs={
            "info": {"description": API_DESCRIPTION},
            "security": [{"ApiKey": []}],
        },
    )
    api.spec.components.security_scheme(
        "ApiKey",
        {"type": "http", "scheme": "bearer", "description": "an mcbackend API key (mck_…)"},
    )
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.teardown_request(close_unused_session)
    return api
