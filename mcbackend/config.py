"""Configuration: defaults, overridden by ``MC_*`` environment variables, then by the caller.

``MC_DATABASE_URL=postgresql+psycopg://...`` becomes ``app.config["DATABASE_URL"]``; values are
parsed as JSON where possible (Flask's ``from_prefixed_env``), so ``MC_SOLVER_WORKERS=4`` is an int.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ENV_PREFIX = "MC"


def default_database_url() -> str:
    instance = Path(os.getcwd()) / "instance"
    return f"sqlite:///{instance / 'mcbackend.db'}"


DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # resolved lazily to default_database_url()
    "SECRET_KEY": None,  # when unset: a random one kept beside FILES_DIR (see instance_secret)
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    "SOLVER_TIME_LIMIT_S": 30.0,
    "SOLVER_WORKERS": 2,
    # A done job-sheet batch keeps its PDF this long; a new batch request removes older ones.
    "JOB_SHEET_BATCH_RETENTION_DAYS": 14,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # whole request body
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,  # one uploaded file
    "FILES_DIR": None,  # resolved lazily to ./instance/files
    "SQL_ECHO": False,
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "json",  # json | console (structlog; see mcbackend.logs)
    "METRICS_TOKEN": None,  # set: GET /metrics needs "Authorization: Bearer <token>"
    "TASK_WORKERS": 1,  # background threads for solves (one solve per plant at a time anyway)
    "TASKS_EAGER": False,  # run background tasks inline (tests, scripts)
    # Celery (pip install '.[queue]'): set a broker to run solves and deliveries on workers.
    "BROKER_URL": None,  # e.g. redis://127.0.0.1:6379/0; unset: the embedded worker
    "RESULT_BACKEND": None,  # task results are not needed; runs keep their own status
    "BROKER_VISIBILITY_TIMEOUT_S": None,  # Redis redelivery of a lost task; None: > any solve
    "SOLVER_LOST_AFTER_S": 300.0,  # a run "running" past its time limit + this was abandoned
    # Webhooks and customer e-mails (see mcbackend.domain.webhooks for the target policy).
    "WEBHOOKS_POLL_S": 2.0,  # embedded dispatcher interval; 0 turns the thread off
    "WEBHOOKS_TIMEOUT_S": 5.0,
    "WEBHOOKS_RETRY_SCHEDULE_S": [5, 30, 120, 600, 3600, 10800, 21600, 43200],
    "WEBHOOKS_ALLOWED_NETWORKS": [],  # CIDRs allowed although private, e.g. ["10.0.0.0/8"]
    "SMTP_HOST": None,  # no host: e-mails are logged as skipped
    "SMTP_PORT": 25,
    "SMTP_FROM": "mcbackend@localhost",
    "SMTP_SECURITY": "none",  # none | starttls | ssl
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "NOTIFY_APPROVAL_REMINDER_H": 48.0,  # remind about an undecided proof after this
    "NOTIFY_FEEDBACK_REQUEST_H": 72.0,  # ask for feedback this long after delivery
    # Rate limits (mcbackend.api.rate_limits): per API key, and per tracking token.
    "RATE_LIMIT_ENABLED": None,  # None: on, except under tests
    "RATE_LIMIT_DEFAULT": "600/minute",
    "RATE_LIMIT_TOKEN": "60/minute",
    "RATELIMIT_STORAGE_URL": None,  # e.g. redis://localhost:6379/1; none: in memory
}


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults < environment (``MC_*``) < explicit overrides. Pure: returns a new dict."""
    from flask import Config  # Flask's Config knows how to read prefixed env vars

    config = Config(root_path=os.getcwd(), defaults=DEFAULTS)
    config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        config.update(overrides)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = default_database_url()
    if not config.get("FILES_DIR"):
        config["FILES_DIR"] = str(Path(os.getcwd()) / "instance" / "files")
    return dict(config)


def instance_secret(folder: str | Path) -> str:
    """The signing key kept in `folder`/secret_key, created (mode 0600) on first use.

    Every process of one host reads the same key, so sessions signed by one gunicorn worker
    verify in another. Hosts that share no folder need ``MC_SECRET_KEY``. The file is written
    aside and linked into place, so a process starting at the same moment never reads half a
    key: the link fails when another process won, and the winner's complete file is read.
    """
    path = Path(folder) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
