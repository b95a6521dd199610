"""The tracking page in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

The app is served by werkzeug on a free local port over a demo SQLite database; an order is
made through the API, then the customer opens /t/<token>, approves the proof by clicking and
sees the status and the timeline change. Screenshots land in the test's tmp dir.

Without Chromium or Playwright the test is skipped locally and fails under CI (``CI`` set).
"""

import io
import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.e2e.orders_helpers import co_order_with_proof

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the browser test must run in CI")
    pytest.skip(reason)


@pytest.fixture
def chromium():
    if not shutil.which(CHROMIUM):
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(app) -> Iterator[str]:
    """The app on 127.0.0.1:<free port>, served from a thread."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


def _mockup_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), "#f7d6e6")
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 50, 230, 190), fill="#ffffff", outline="#c2185b", width=6)
    draw.polygon([(160, 20), (150, 70), (170, 70)], fill="#f2c14e")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _console_problem(message, problems: list[str]) -> None:
    # Failed loads are judged by their responses below (a browser asks for /favicon.ico).
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(message.text)


def _failed_asset(response, problems: list[str]) -> None:
    if response.status >= 400 and not response.url.endswith("/favicon.ico"):
        problems.append(f"{response.status} {response.url}")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_customer_approves_a_proof_in_the_browser(api, server, chromium, tmp_path):
    order = co_order_with_proof(api, mockup=_mockup_png())
    context = chromium.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    problems: list[str] = []  # anything the CSP blocked, scripts failing, missing assets
    page.on("console", lambda m: _console_problem(m, problems))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: _failed_asset(r, problems))

    url = f"{server}/t/{order['tracking_token']}"
    response = page.goto(url)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "en"  # the customer's "de": fallback
    assert page.locator("#order-status").inner_text() == "Designing with you"
    design = page.locator('[data-stage="design"]')
    assert design.get_attribute("data-state") == "active"
    assert page.locator("#proof-1 img").evaluate("img => img.naturalWidth") == 320
    page.screenshot(path=tmp_path / "tracking-phone-before.png", full_page=True)

    page.keyboard.press("Tab")  # the first stop is the skip link, and focus is visible
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

    # The changes form refuses an empty comment in the browser itself (required field).
    page.get_by_role("button", name="Request changes").click()
    assert page.url == url
    assert page.locator("#comment-1").evaluate("t => t.validity.valueMissing")

    with page.expect_navigation():
        page.get_by_role("button", name="Approve this design").click()
    assert page.url == url  # POST-redirect-GET back to the page
    assert "proof 1 is approved" in page.locator(".flash-success").inner_text()
    assert page.locator("#order-status").get_attribute("data-status") == "design_approved"
    assert page.locator("#order-status").inner_text() == "Design approved"
    assert design.get_attribute("data-state") == "done"
    assert design.locator("rect.actual").count() == 1
    assert page.locator('#history [data-event="proof_approved"]').count() == 1
    assert page.get_by_role("button", name="Approve this design").count() == 0
    phone_shot = tmp_path / "tracking-phone.png"
    page.screenshot(path=phone_shot, full_page=True)

    page.set_viewport_size(DESKTOP)
    page.goto(url + "?lang=ru")
    assert page.locator("#order-status").inner_text() == "Дизайн утверждён"
    desktop_shot = tmp_path / "tracking-desktop-ru.png"
    page.screenshot(path=desktop_shot, full_page=True)
    context.close()

    assert phone_shot.stat().st_size > 10_000 and desktop_shot.stat().st_size > 10_000
    assert problems == []
    print(f"screenshots: {phone_shot} {desktop_shot}")
