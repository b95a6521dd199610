"""Customer e-mails: which public events send which e-mail, and rendering them per language.

Templates are files under ``templates/<language>/<name>.txt``: the first line is
``Subject: …``, a blank line, then the plain-text body (Jinja2). The HTML part is the same
text in ``templates/layout.html``, one paragraph per blank-line-separated block. Nothing here
touches a database or a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2

TEMPLATE_DIR = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE = "en"
LANGUAGES = tuple(sorted(p.name for p in TEMPLATE_DIR.iterdir() if p.is_dir()))


@dataclass(frozen=True)
class Rule:
    """Send ``template`` for an event, ``delay_setting`` hours (a config key) after it."""

    template: str
    delay_setting: str | None = None


# Public event type → the e-mails it sends.
RULES: dict[str, tuple[Rule, ...]] = {
    "proof.issued": (
        Rule("proof_ready"),
        # A reminder if the customer has not decided by then (skipped once they have).
        Rule("approval_needed", "NOTIFY_APPROVAL_REMINDER_H"),
    ),
    "payment.due": (Rule("payment_due"),),
    "eta.delayed": (Rule("delayed"),),
    "order.shipped": (Rule("shipped"),),
    "order.delivered": (Rule("delivered"), Rule("feedback_request", "NOTIFY_FEEDBACK_REQUEST_H")),
}
TEMPLATES: tuple[str, ...] = tuple(sorted({r.template for rules in RULES.values() for r in rules}))


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def pick_language(requested: str | None) -> str:
    """The best template language for a BCP 47 tag: ``de-AT`` → ``de``; else English."""
    primary = (requested or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def _money(value: dict[str, Any] | None) -> str:
    if not value:
        return ""
    amount = int(value["amount"])
    return f"{amount // 100:,}.{amount % 100:02d} {value['currency']}".replace(",", "\u202f")


def _day(value: str | date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )
    env.filters["money"] = _money
    env.filters["day"] = _day
    return env


_ENV = _environment()


def render(template: str, language: str, context: dict[str, Any]) -> RenderedEmail:
    """Render one e-mail. ``context`` holds ``customer_name``, ``reference``, ``tenant_name``
    and ``data`` (the event's payload data)."""
    source = _ENV.get_template(f"{pick_language(language)}/{template}.txt").render(**context)
    head, _, body = source.strip().partition("\n\n")
    if not head.startswith("Subject: "):
        raise ValueError(f"template {template!r} must start with a 'Subject: ' line")
    subject = head.removeprefix("Subject: ").strip()
    body = body.strip() + "\n"
    paragraphs = [block.strip() for block in body.split("\n\n") if block.strip()]
    html = _ENV.get_template("layout.html").render(
        subject=subject, paragraphs=paragraphs, language=pick_language(language), **context
    )
    return RenderedEmail(subject, body, html)
