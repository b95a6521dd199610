"""The customer's tracking page at ``/t/<token>``: server-rendered HTML, forms without JS.

Forms post and redirect back to the page (POST-redirect-GET) with a flash message. Pages
are in English or Russian (``?lang=``, else the customer's language); see :mod:`.i18n`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from mcbackend.api.base import anonymous_unit_of_work
from mcbackend.domain.errors import MCError
from mcbackend.services import design, orders, tracking
from mcbackend.web import csrf
from mcbackend.web.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, pick_language
from mcbackend.web.timeline import chart

bp = Blueprint(
    "web",
    __name__,
    url_prefix="/t",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Image types shown inline next to a proof; everything else is a download.
_INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/webp"})
_SECURITY_HEADERS = {
    # No scripts at all; styles and images from this origin only; forms post back here.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The token is in the URL: never send it on to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _storage():
    return current_app.extensions["mcbackend.storage"]


def _override() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else None


def _back(token: str) -> Response:
    return redirect(url_for("web.page", token=token, lang=_override()), code=303)


@bp.after_request
def _secure(response: Response) -> Response:
    response.headers.update(_SECURITY_HEADERS)
    return response


@bp.get("/<string:token>")
def page(token: str):
    """The order: status, timeline, ETA, proofs and their forms, payments, feedback."""
    now = _now()
    with anonymous_unit_of_work() as uow:
        order = orders.order_for_token(uow, token)
        view = tracking.customer_view(uow, order, now)
        files = tracking.shared_files(uow, order)
        feedback = tracking.feedback_state(uow, order)
        language = pick_language(_override(), order.customer_language)
    t = Translator(language, view["time_zone"])
    return render_template(
        "tracking.html",
        t=t,
        lang=language,
        languages=LANGUAGE_NAMES,
        token=token,
        order=view,
        chart=chart(view["stages"], now),
        files=files,
        inline_images=_INLINE_IMAGES,
        feedback=feedback,
        csrf_field=csrf.FIELD,
        csrf_token=csrf.token(),
        override=_override(),
    )


@bp.post("/<string:token>/proofs/<int:number>/decision")
def decide(token: str, number: int):
    """Approve the open proof or ask for changes (a comment is required)."""
    csrf.check()
    decision = request.form.get("decision", "")
    if decision not in ("approve", "request_changes"):
        return _page_error("error_page.html", 400, "badrequest")
    with anonymous_unit_of_work() as uow:
        order = orders.order_for_token(uow, token)
        t = Translator(pick_language(_override(), order.customer_language), "UTC")
        try:
            design.decide_proof(
                uow,
                order.id,
                number,
                decision,
                request.form.get("comment", "").strip(),
                None,
                _now(),
                "customer",
            )
        except MCError as error:
            flash(_error_text(t, error), "error")
        else:
            done = "flash.approved" if decision == "approve" else "flash.changes"
            flash(t(done, number=number), "success")
    return _back(token)


@bp.post("/<string:token>/feedback")
def give_feedback(token: str):
    """A rating from 1 to 5, a comment and an optional photo, once the order is delivered."""
    csrf.check()
    rating = request.form.get("rating", "")
    upload = request.files.get("photo")
    photo = None
    if upload is not None and upload.filename:
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        photo = (upload.filename, upload.mimetype, upload.read(limit + 1))
    with anonymous_unit_of_work() as uow:
        order = orders.order_for_token(uow, token)
        t = Translator(pick_language(_override(), order.customer_language), "UTC")
        data = {
            "rating": int(rating) if rating.isdigit() else 0,
            "comment": request.form.get("comment", "").strip()[:5000],
        }
        try:
            tracking.give_feedback(
                uow, _storage(), order, data, photo, current_app.config["MAX_UPLOAD_BYTES"], _now()
            )
        except MCError as error:
            flash(_error_text(t, error), "error")
        else:
            flash(t("flash.feedback"), "success")
    return _back(token)


@bp.get("/<string:token>/files/<int:file_id>")
def attachment(token: str, file_id: int):
    """A file of the customer's brief or proofs; images inline, anything else downloaded."""
    with anonymous_unit_of_work() as uow:
        row, content = tracking.attachment(
            uow, _storage(), orders.order_for_token(uow, token), file_id
        )
    response = Response(content, mimetype=row.content_type)
    inline = row.content_type in _INLINE_IMAGES
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{row.filename}"'
    response.headers["ETag"] = f'"{row.sha256}"'
    return response


@bp.get("/<string:token>/timeline.pdf")
def timeline_pdf(token: str):
    """The timeline PDF lives in the API; this keeps the customer's short link."""
    return redirect(url_for("documents.TrackedTimelinePdf", token=token), code=302)


@bp.get("/<string:token>/quote.pdf")
def quote_pdf(token: str):
    return redirect(url_for("documents.TrackedQuotePdf", token=token), code=302)


def _error_text(t: Translator, error: MCError) -> str:
    key = f"error.{error.code}"
    return t(key) if t.has(key) else t("error.generic", detail=error.detail)


def _page_error(template: str, status: int, kind: str) -> tuple[str, int]:
    language = _override() or request.accept_languages.best_match(LANGUAGES) or "en"
    t = Translator(language, "UTC")
    return render_template(template, t=t, lang=language, kind=kind), status


@bp.errorhandler(MCError)
def _domain_error(error: MCError):
    """An invalid or revoked token (or a file not on the order): a friendly page."""
    if error.status == 404:
        return _page_error("error_page.html", 404, "notfound")
    return _page_error("error_page.html", error.status, "badrequest")


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """A refused form (bad CSRF token, too large): a page, not problem+json."""
    status = error.code or 500
    return _page_error("error_page.html", status, "notfound" if status == 404 else "badrequest")
