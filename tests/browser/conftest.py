"""Browser tests: real Chromium (Debian's) driven by Playwright against a live server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are still
# plain synchronous code, which Django would otherwise refuse inside a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or os.environ.get("REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required for the browser tests: {CHROMIUM} is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    yield context
    context.close()


PHONE = {"width": 390, "height": 844}  # a common phone's screen, in CSS pixels


@pytest.fixture
def phone(browser):
    """Open a page on a phone-sized touch screen in a new context (another browser, with its
    own log-in), in the colour scheme asked for: `page = phone("dark")`. Closed after."""
    contexts = []

    def open_page(scheme: str = "light"):
        context = browser.new_context(viewport=PHONE, color_scheme=scheme, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


@pytest.fixture
def page(context, request):
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if getattr(request.node, "failed_call", False) and not page.is_closed():
        # What the browser showed when the test failed, for the log.
        print(f"\n--- {request.node.name} failed at {page.url}")
        print("focus:", page.evaluate("document.activeElement && document.activeElement.outerHTML"))
        print(page.inner_text("body")[:2000])
