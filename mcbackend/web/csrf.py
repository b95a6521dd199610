"""CSRF protection for the tracking page's forms.

A random token lives in Flask's session, a cookie signed with ``SECRET_KEY`` (``SameSite=Lax``,
``HttpOnly``); every form carries the same token in a hidden field. A POST whose field does
not match the session's token never reaches a service. Another site can make the browser
send the cookie but cannot read the page to learn the token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session
from werkzeug.exceptions import BadRequest

FIELD = "csrf_token"
_SESSION_KEY = "csrf"


def token() -> str:
    """This session's token, created on first use."""
    if _SESSION_KEY not in session:
        session[_SESSION_KEY] = secrets.token_urlsafe(32)
    return session[_SESSION_KEY]


def check() -> None:
    """Refuse a POST whose form token is missing or not this session's."""
    expected = session.get(_SESSION_KEY)
    sent = request.form.get(FIELD, "")
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        raise BadRequest("the form's security token is missing or does not match")
