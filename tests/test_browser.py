"""The welcome page in a real headless Chromium: type, submit with the keyboard, read the result."""

import threading

import pytest
from conftest import debian_program
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# Chromium as root in a sandbox-less container with no network beyond loopback: no sandbox, no GPU,
# and none of the background connections that would be refused.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, installed when missing and possible; skipped with the reason otherwise."""
    return debian_program(CHROMIUM, "chromium")


@pytest.fixture
def page(chromium, make_app):
    """A Chromium page and the base URL of the service on the tiny models."""
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, make_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        yield page, f"http://127.0.0.1:{server.server_port}/", errors
        browser.close()
    server.shutdown()


def test_try_it_form_with_the_keyboard_only(page):
    page, url, errors = page
    page.goto(url)
    assert page.locator("h1").inner_text() == "Welcome to your Sentiment Analysis Tool"
    page.focus("#text")
    page.keyboard.press("Control+A")
    page.keyboard.type("I love this film, it is wonderful")
    page.keyboard.press("Tab")  # the language list, left on "auto"
    page.keyboard.press("Tab")  # the button
    page.keyboard.press("Enter")
    page.wait_for_selector("#result:not([hidden])", timeout=10_000)
    assert page.locator("#sentiment").inner_text() == "POSITIVE"
    assert page.locator("#language-used").inner_text() == "(language: en)"
    scores = [float(page.locator(f"#value-{name}").inner_text()) for name in ("Positive", "Negative", "Neutral",
                                                                               "Mixed")]
    assert scores[0] > 0.5 and abs(sum(scores) - 1) < 0.01
    assert errors == []


def test_errors_are_shown_to_the_person(page):
    page, url, errors = page
    page.goto(url)
    page.fill("#text", "Das ist ein wunderbarer Tag und ich freue mich sehr")
    page.click("button")
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    assert "not supported" in page.locator("#error").inner_text()
    assert page.locator("#result").is_hidden()


def test_fits_a_narrow_screen(page):
    page, url, _ = page
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("button").is_visible()
