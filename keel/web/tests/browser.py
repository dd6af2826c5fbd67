"""Browser fixtures shared by every app's browser tests (registered in the root conftest).

The system Chromium (``apt-get install chromium chromium-driver``) is driven through
Playwright, which never downloads a browser here. Without Chromium the tests skip, except
on CI (``CI=true``) where a missing browser is a failure rather than a silent skip.

A browser test module marks itself like this (the live server needs real commits, and
serialized_rollback restores the job-title catalogue that a data migration seeds):

    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

and uses the ``page`` / ``new_page`` fixtures with ``sign_in``; ``console_errors(page)``
collects the page's console errors and uncaught exceptions.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from conftest import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 860}
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def _allow_orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API runs an asyncio event loop in this thread (in a greenlet) for
    # as long as the browser is open, so Django sees a "running event loop" and refuses
    # ORM calls from the test body and from pytest-django's database setup with
    # SynchronousOnlyOperation. The test code is plain synchronous code that never runs
    # inside that loop, so the check is a false alarm here. The variable is set only while
    # this module's browser is open (test-only) and never in the application.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def chromium(_allow_orm_beside_playwright: None) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        message = "Chromium is not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    playwright: Playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Browser, live_server: Any) -> Iterator[Callable[[], Page]]:
    """Open pages in fresh browser contexts (each its own cookie jar) on the live server."""
    contexts = []

    def open_page() -> Page:
        context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORT)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def path_of(page: Page) -> str:
    return urlparse(page.url).path


def console_errors(page: Page) -> list[str]:
    """Collect console errors and uncaught exceptions of ``page`` from now on (a live list)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
