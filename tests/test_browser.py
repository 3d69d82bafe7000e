"""The welcome page in a real headless Chromium: type, submit with the keyboard, click an example, read the
result; screenshots (desktop and 375 px) land in each test's temporary folder for a reviewer to open."""

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


@pytest.fixture(params=[{}], ids=["open"])
def page(chromium, make_app, request):
    """A Chromium page and the base URL of the service on the tiny models (with the param's settings)."""
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, make_app(**request.param), threaded=True)
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


GREEN, RED, GREY = "rgb(22, 163, 74)", "rgb(220, 38, 38)", "rgb(156, 163, 175)"


def scores(page):
    return {name: float(page.locator(f"#value-{name}").inner_text())
            for name in ("Positive", "Negative", "Neutral", "Mixed")}


def test_try_it_form_with_the_keyboard_only(page, tmp_path):
    page, url, errors = page
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(url)
    assert page.locator("h1").inner_text() == "Welcome to your Sentiment Analysis Tool"
    assert page.locator("#language option").all_inner_texts() == ["Detect automatically", "English", "French"]
    page.focus("#text")
    page.keyboard.press("Control+A")
    page.keyboard.type("I love this film, it is wonderful")
    page.keyboard.press("Tab")  # the language list, left on "Detect automatically"
    page.keyboard.press("Tab")  # the button
    page.keyboard.press("Enter")
    page.wait_for_selector("#result:not([hidden])", timeout=10_000)
    assert page.locator("#sentiment").inner_text() == "Positive"
    assert page.locator("#sentiment").evaluate("e => getComputedStyle(e).color") == "rgb(21, 128, 61)"
    assert page.locator("#language-used").inner_text() == "English, detected"
    shown = scores(page)
    assert shown["Positive"] > 0.5 and abs(sum(shown.values()) - 1) < 0.02
    colours = {name: page.locator(f"#bar-{name}").evaluate("e => getComputedStyle(e).backgroundColor")
               for name in ("Positive", "Negative", "Neutral")}
    assert colours == {"Positive": GREEN, "Negative": RED, "Neutral": GREY}
    width = page.locator("#bar-Positive").evaluate("e => e.getBoundingClientRect().width / "
                                                   "e.parentElement.getBoundingClientRect().width")
    assert abs(width - shown["Positive"]) < 0.02
    page.screenshot(path=tmp_path / "desktop.png", full_page=True)
    assert (tmp_path / "desktop.png").stat().st_size > 10_000
    assert errors == []


def test_an_example_is_one_click_and_names_its_language(page):
    page, url, errors = page
    page.goto(url)
    examples = page.locator(".example")
    assert examples.count() == 2  # one per language served: the tiny models are English and French
    page.locator(".example", has_text="Je déteste les lundis").click()
    page.wait_for_selector("#result:not([hidden])", timeout=10_000)
    assert page.locator("#text").input_value() == "Je déteste les lundis"
    assert page.locator("#language-used").inner_text() == "French, as chosen"
    assert page.locator("#api-key").count() == 0
    assert page.locator("a", has_text="model card").get_attribute("href") == "/model-card"
    assert errors == []


@pytest.mark.parametrize("page", [{"API_KEYS": "page-key"}], ids=["keys"], indirect=True)
def test_the_api_key_field_appears_when_keys_are_required(page):
    page, url, errors = page
    page.goto(url)
    page.fill("#text", "I love it")
    page.fill("#api-key", "wrong-key")
    page.click("button[type=submit]")
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    assert "API key" in page.locator("#error").inner_text()
    page.fill("#api-key", "page-key")
    page.click("button[type=submit]")
    page.wait_for_selector("#result:not([hidden])", timeout=10_000)
    assert page.locator("#sentiment").inner_text() == "Positive"


def test_errors_are_shown_to_the_person(page):
    page, url, errors = page
    page.goto(url)
    page.fill("#text", "Das ist ein wunderbarer Tag und ich freue mich sehr")
    page.click("button[type=submit]")
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    assert "not supported" in page.locator("#error").inner_text()
    assert page.locator("#result").is_hidden()


def test_fits_a_narrow_screen(page, tmp_path):
    page, url, _ = page
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(url)
    page.locator(".example").first.click()
    page.wait_for_selector("#result:not([hidden])", timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("button[type=submit]").is_visible()
    page.screenshot(path=tmp_path / "narrow.png", full_page=True)
    assert (tmp_path / "narrow.png").stat().st_size > 10_000
