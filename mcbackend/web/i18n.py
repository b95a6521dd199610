# Russian text is Cyrillic, and the typography uses the multiplication sign and en dash:
# ruff: noqa: RUF001
"""The tracking page's words in English and Russian, and dates and money per language.

A dict per language rather than Babel: the page has a few dozen short messages and two
languages, and a dict needs no extraction or compile step and no extra dependency. A key
missing from a language falls back to English.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from mcbackend.domain.money import minor_digits

DEFAULT = "en"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "title": "Order {reference}",
        "skip": "Skip to the order",
        "your_order": "Your order",
        "status": "Status",
        "items": "What we are making",
        "quantity": "{quantity} ×",
        "timeline": "Timeline",
        "stage": "Stage",
        "planned": "Planned",
        "actual": "Actual",
        "not_yet": "not yet",
        "state.done": "Done",
        "state.active": "In progress",
        "state.planned": "Planned",
        "stage.order": "Order",
        "stage.design": "Design",
        "stage.production": "Production",
        "stage.delivery": "Delivery",
        "delivery_date": "Delivery date",
        "promised": "Promised",
        "expected": "Expected",
        "eta.unknown": "We will give you a date once your order is planned.",
        "eta.expected": "Expected by {eta}.",
        "eta.on_time": "On time: expected by {eta}, as promised.",
        "eta.early": "Ahead of schedule: expected by {eta}, {days} days earlier than promised.",
        "eta.late": "Running late: expected by {eta}, {days} days later than promised.",
        "eta.delivered": "Delivered on {date}.",
        "proofs": "Design proofs",
        "proof": "Proof {number}",
        "proof.issued": "Issued {date}",
        "proof.price": "Price",
        "proof.attachments": "Attachments",
        "proof.open": "Waiting for your decision",
        "proof.approved": "Approved",
        "proof.changes_requested": "Changes requested",
        "proof.superseded": "Replaced by a newer proof",
        "proof.reopened": "Reopened by a change",
        "proof.your_comment": "Your comment",
        "approve": "Approve this design",
        "approve.hint": "Approving starts production planning with this design and price.",
        "changes": "Request changes",
        "changes.label": "What should change?",
        "changes.hint": "Required. The designer reads this before the next proof.",
        "payments": "Payments",
        "payments.none": "The price is not set yet.",
        "payments.stage": "Instalment",
        "payments.amount": "Amount",
        "payments.paid": "Paid so far",
        "payments.balance": "Balance",
        "payments.due": "Due now",
        "payments.nothing_due": "Nothing is due right now.",
        "installment.order_placed": "Deposit",
        "installment.proof_approved": "On design approval",
        "installment.production_started": "At production start",
        "installment.shipped": "Before shipping",
        "installment.delivered": "Final balance, on delivery",
        "history": "History",
        "feedback": "How did we do?",
        "feedback.rating": "Your rating",
        "feedback.stars": "{n} of 5",
        "feedback.comment": "Comment",
        "feedback.photo": "Photo (optional, PNG or JPEG)",
        "feedback.send": "Send feedback",
        "feedback.thanks": "Thank you for your feedback.",
        "documents": "Documents",
        "documents.timeline": "Timeline (PDF)",
        "documents.quote": "Quote (PDF)",
        "language": "Language",
        "flash.approved": "Thank you: proof {number} is approved.",
        "flash.changes": "Thank you: the designer will prepare a new proof.",
        "flash.feedback": "Thank you for your feedback.",
        "error.comment_required": "Please say what should change.",
        "error.proof_already_decided": "This proof was already decided.",
        "error.proof_superseded": "A newer proof has replaced this one.",
        "error.proof_not_found": "There is no such proof.",
        "error.stale_version": "Your order changed meanwhile; please look again and retry.",
        "error.not_delivered": "Feedback opens once your order is delivered.",
        "error.feedback_exists": "You have already left feedback for this order.",
        "error.invalid_rating": "Please choose a rating from 1 to 5.",
        "error.invalid_file": "The photo could not be accepted (PNG or JPEG, up to 10 MB).",
        "error.generic": "That did not work: {detail}",
        "notfound.title": "Link not found",
        "notfound.text": "This tracking link is not valid. It may have been replaced by a newer "
        "one; please use the latest link we sent you.",
        "badrequest.title": "Form expired",
        "badrequest.text": "The form could not be accepted. Please go back, reload the page and "
        "try again.",
        "back": "Back to your order",
        "event.order_placed": "Order received",
        "event.design_opened": "Design brief received",
        "event.proof_issued": "Proof {proof} is ready for you",
        "event.proof_approved": "You approved proof {proof}",
        "event.proof_changes_requested": "You asked for changes to proof {proof}",
        "event.confirmed": "Order confirmed",
        "event.production_started": "Production started",
        "event.ready": "Ready",
        "event.shipped": "Shipped",
        "event.delivered": "Delivered",
        "event.cancelled": "Cancelled",
        "event.payment_due": "A payment is due",
        "event.payment_received": "Payment received",
        "event.eta_updated": "Delivery date updated",
        "event.delayed": "Delayed",
        "event.change_accepted": "Change accepted",
        "event.capacity_held": "Production slot reserved",
        "event.capacity_released": "Production slot released",
        "event.materials_received": "Materials for your order have arrived",
        "event.feedback_received": "Feedback received",
        "status.draft": "Received",
        "status.awaiting_design": "Designing with you",
        "status.design_approved": "Design approved",
        "status.confirmed": "Confirmed",
        "status.in_production": "In production",
        "status.ready": "Ready",
        "status.shipped": "Shipped",
        "status.delivered": "Delivered",
        "status.cancelled": "Cancelled",
    },
    "ru": {
        "title": "Заказ {reference}",
        "skip": "Перейти к заказу",
        "your_order": "Ваш заказ",
        "status": "Статус",
        "items": "Что мы изготавливаем",
        "quantity": "{quantity} ×",
        "timeline": "Этапы",
        "stage": "Этап",
        "planned": "План",
        "actual": "Факт",
        "not_yet": "ещё нет",
        "state.done": "Готово",
        "state.active": "Идёт",
        "state.planned": "Запланировано",
        "stage.order": "Заказ",
        "stage.design": "Дизайн",
        "stage.production": "Производство",
        "stage.delivery": "Доставка",
        "delivery_date": "Срок",
        "promised": "Обещано",
        "expected": "Ожидается",
        "eta.unknown": "Мы сообщим дату, как только заказ будет запланирован.",
        "eta.expected": "Ожидается к {eta}.",
        "eta.on_time": "В срок: ожидается к {eta}, как и обещано.",
        "eta.early": "С опережением: ожидается к {eta}, на {days} дн. раньше обещанного.",
        "eta.late": "С задержкой: ожидается к {eta}, на {days} дн. позже обещанного.",
        "eta.delivered": "Доставлено {date}.",
        "proofs": "Макеты дизайна",
        "proof": "Макет {number}",
        "proof.issued": "Отправлен {date}",
        "proof.price": "Цена",
        "proof.attachments": "Файлы",
        "proof.open": "Ждёт вашего решения",
        "proof.approved": "Утверждён",
        "proof.changes_requested": "Запрошены изменения",
        "proof.superseded": "Заменён новым макетом",
        "proof.reopened": "Открыт заново после изменения",
        "proof.your_comment": "Ваш комментарий",
        "approve": "Утвердить этот дизайн",
        "approve.hint": "После утверждения мы планируем производство с этим дизайном и ценой.",
        "changes": "Запросить изменения",
        "changes.label": "Что изменить?",
        "changes.hint": "Обязательно. Дизайнер прочитает это перед следующим макетом.",
        "payments": "Оплата",
        "payments.none": "Цена ещё не определена.",
        "payments.stage": "Платёж",
        "payments.amount": "Сумма",
        "payments.paid": "Оплачено",
        "payments.balance": "Остаток",
        "payments.due": "К оплате сейчас",
        "payments.nothing_due": "Сейчас ничего оплачивать не нужно.",
        "installment.order_placed": "Предоплата",
        "installment.proof_approved": "При утверждении дизайна",
        "installment.production_started": "При начале производства",
        "installment.shipped": "Перед отправкой",
        "installment.delivered": "Окончательный расчёт при доставке",
        "history": "История",
        "feedback": "Как мы справились?",
        "feedback.rating": "Ваша оценка",
        "feedback.stars": "{n} из 5",
        "feedback.comment": "Комментарий",
        "feedback.photo": "Фото (необязательно, PNG или JPEG)",
        "feedback.send": "Отправить отзыв",
        "feedback.thanks": "Спасибо за ваш отзыв.",
        "documents": "Документы",
        "documents.timeline": "Этапы (PDF)",
        "documents.quote": "Предложение (PDF)",
        "language": "Язык",
        "flash.approved": "Спасибо: макет {number} утверждён.",
        "flash.changes": "Спасибо: дизайнер подготовит новый макет.",
        "flash.feedback": "Спасибо за ваш отзыв.",
        "error.comment_required": "Пожалуйста, напишите, что изменить.",
        "error.proof_already_decided": "По этому макету решение уже принято.",
        "error.proof_superseded": "Этот макет заменён новым.",
        "error.proof_not_found": "Такого макета нет.",
        "error.stale_version": "Заказ за это время изменился; посмотрите ещё раз и повторите.",
        "error.not_delivered": "Отзыв можно оставить после доставки заказа.",
        "error.feedback_exists": "Вы уже оставили отзыв об этом заказе.",
        "error.invalid_rating": "Пожалуйста, выберите оценку от 1 до 5.",
        "error.invalid_file": "Фото не принято (PNG или JPEG, до 10 МБ).",
        "error.generic": "Не получилось: {detail}",
        "notfound.title": "Ссылка не найдена",
        "notfound.text": "Эта ссылка для отслеживания недействительна. Возможно, её заменили "
        "новой; воспользуйтесь последней ссылкой, которую мы вам отправили.",
        "badrequest.title": "Форма устарела",
        "badrequest.text": "Форму не удалось принять. Вернитесь, обновите страницу и "
        "попробуйте ещё раз.",
        "back": "Вернуться к заказу",
        "event.order_placed": "Заказ получен",
        "event.design_opened": "Техническое задание получено",
        "event.proof_issued": "Макет {proof} готов",
        "event.proof_approved": "Вы утвердили макет {proof}",
        "event.proof_changes_requested": "Вы запросили изменения в макете {proof}",
        "event.confirmed": "Заказ подтверждён",
        "event.production_started": "Производство началось",
        "event.ready": "Готово",
        "event.shipped": "Отправлено",
        "event.delivered": "Доставлено",
        "event.cancelled": "Отменено",
        "event.payment_due": "Наступил срок платежа",
        "event.payment_received": "Платёж получен",
        "event.eta_updated": "Срок обновлён",
        "event.delayed": "Задержка",
        "event.change_accepted": "Изменение принято",
        "event.capacity_held": "Место в производстве зарезервировано",
        "event.capacity_released": "Резерв в производстве снят",
        "event.materials_received": "Материалы для вашего заказа поступили",
        "event.feedback_received": "Отзыв получен",
        "status.draft": "Получен",
        "status.awaiting_design": "Разрабатываем дизайн вместе с вами",
        "status.design_approved": "Дизайн утверждён",
        "status.confirmed": "Подтверждён",
        "status.in_production": "В производстве",
        "status.ready": "Готов",
        "status.shipped": "Отправлен",
        "status.delivered": "Доставлен",
        "status.cancelled": "Отменён",
    },
}
LANGUAGES = tuple(MESSAGES)
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    # Genitive, as a date is written in Russian: "12 марта 2026".
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
}


def pick_language(requested: str | None, customer_language: str | None) -> str:
    """``?lang=`` if it is one we speak, else the customer's (``ru-RU`` → ``ru``), else English."""
    for candidate in (requested, customer_language):
        code = (candidate or "").split("-")[0].split("_")[0].lower()
        if code in MESSAGES:
            return code
    return DEFAULT


class Translator:
    """Messages, dates and money in one language; templates call it as ``t("key", ...)``."""

    def __init__(self, language: str, time_zone: str) -> None:
        self.language = language
        self.zone = ZoneInfo(time_zone)
        self._messages: Mapping[str, str] = MESSAGES[language]

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages.get(key) or MESSAGES[DEFAULT].get(key)
        if text is None:  # an event or status we have no words for yet: show its code
            return key.split(".", 1)[-1].replace("_", " ").capitalize()
        return text.format(**values)

    def has(self, key: str) -> bool:
        return key in MESSAGES[DEFAULT]

    def date(self, value: date | datetime | str | None) -> str:
        """A date (or the local date of a moment, or an ISO string of either) in words."""
        if value is None:
            return self("not_yet")
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return f"{value.day} {_MONTHS[self.language][value.month - 1]} {value.year}"

    def short_date(self, value: datetime | None) -> str:
        """Day and month only, for the compact timeline columns."""
        if value is None:
            return self("not_yet")
        local = value.astimezone(self.zone).date()
        month = _MONTHS[self.language][local.month - 1]
        return f"{local.day} {month[:3] if self.language == 'en' else month}"

    def money(self, data: Mapping[str, object] | None) -> str:
        """``{"amount": 123456, "currency": "EUR"}`` → ``1,234.56 EUR`` / ``1 234,56 EUR``."""
        if not data:
            return "–"
        currency = str(data["currency"])
        digits = minor_digits(currency)
        value = Decimal(int(data["amount"])).scaleb(-digits)  # type: ignore[call-overload]
        text = f"{value:,.{digits}f}"
        if self.language == "ru":  # space-grouped thousands, decimal comma
            text = text.replace(",", "\u00a0").replace(".", ",")
        return f"{text}\u00a0{currency}"
