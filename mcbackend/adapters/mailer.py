"""Sends e-mail over SMTP (plain, STARTTLS or implicit TLS), configured by ``MC_SMTP_*``."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

SECURITY_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "mcbackend@localhost"
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The settings, or None when no SMTP host is configured (e-mails are then skipped)."""
        if not config.get("SMTP_HOST"):
            return None
        security = str(config.get("SMTP_SECURITY") or "none")
        if security not in SECURITY_MODES:
            raise ValueError(f"MC_SMTP_SECURITY must be one of {SECURITY_MODES}")
        return cls(
            host=str(config["SMTP_HOST"]),
            port=int(config.get("SMTP_PORT") or 25),
            sender=str(config.get("SMTP_FROM") or cls.sender),
            security=security,
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            timeout_s=float(config.get("SMTP_TIMEOUT_S") or 10.0),
        )


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raises ``smtplib.SMTPException`` or ``OSError``."""
    context = ssl.create_default_context()
    if settings.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_s, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    with client:
        if settings.security == "starttls":
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)
