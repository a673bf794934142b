"""A browser for JavaScript-only columns and JavaScript challenges, through scrapy-playwright.

Debian's Chromium is used where installed (`playwright install` cannot download browsers on
many government networks); Playwright's own Chromium works too for users who have it.
``GOVWATCH_CHROMIUM`` names a browser binary, or ``none`` to crawl without one (such columns
are then recorded as unread, never as blank).
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path
from typing import Any

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_DEBIAN_BINARY = "/usr/lib/chromium/chromium"  # skips the /usr/bin/chromium shell wrapper
BUNDLED = "playwright"


def find_browser() -> str | None:
    """A Chromium binary path, ``"playwright"`` for Playwright's own download, or None."""
    forced = os.environ.get("GOVWATCH_CHROMIUM")
    if forced:
        return None if forced.lower() == "none" else forced
    if Path(_DEBIAN_BINARY).exists():
        return _DEBIAN_BINARY
    for name in _CANDIDATES:
        if path := shutil.which(name):
            return path
    cache = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache" / "ms-playwright")
    if glob.glob(os.path.join(cache, "chromium*")):
        return BUNDLED
    return None


def browser_settings(executable: str | None, timeout: float) -> dict[str, Any]:
    """Scrapy settings that route requests marked ``playwright`` through the browser; every
    other request keeps Scrapy's own HTTP handler."""
    if executable is None:
        return {"GOVWATCH_BROWSER": False}
    launch: dict[str, Any] = {
        "headless": True,
        "timeout": 30_000,
        # Chromium phones home at start; on a closed network those lookups fail noisily
        "args": ["--no-sandbox", "--disable-gpu",
                 "--host-resolver-rules=MAP update.googleapis.com ~NOTFOUND, MAP accounts.google.com ~NOTFOUND"],
    }
    if executable != BUNDLED:
        launch["executable_path"] = executable
    handler = "crawler.handlers.BrowserHandler"
    return {
        "GOVWATCH_BROWSER": True,
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(timeout * 1000),
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
    }


RENDER_WAIT_MS = 2500


def render_meta() -> dict[str, Any]:
    """Request meta for a page that needs a browser: navigation counts as done when the first
    response arrives ("commit"), then the page's scripts get a fixed time to write the list or
    pass the challenge. Waiting for "load" or "networkidle" instead can fail on a challenge
    that reloads forever, and a failed navigation can hang scrapy-playwright
    (scrapy-plugins/scrapy-playwright#330)."""
    from scrapy_playwright.page import PageMethod

    return {"playwright": True, "playwright_page_goto_kwargs": {"wait_until": "commit"},
            "playwright_page_methods": [PageMethod("wait_for_timeout", RENDER_WAIT_MS)]}
