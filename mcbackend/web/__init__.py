"""The customer's tracking page: server-rendered HTML outside the JSON API and its spec."""

from __future__ import annotations

from flask import Flask

from mcbackend.web.pages import bp


def init_web(app: Flask) -> None:
    # The session cookie carries only the CSRF token and flash messages; a form posted from
    # another site does not get it (Lax), scripts cannot read it, HTTPS sites mark it Secure.
    # (Flask's own defaults are already in app.config, so these are set, not defaulted.)
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = app.config["PUBLIC_BASE_URL"].startswith("https:")
    app.register_blueprint(bp)
