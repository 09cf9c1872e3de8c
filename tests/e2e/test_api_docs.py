"""The API's documentation page on a closed network, in a real headless Chromium: Swagger UI renders the hub's
routes with every request answered by the hub itself; any other host is refused and fails the test."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Route, expect

from tests.e2e.pages import BIG_SCREEN, hub_for, open_page
from tests.support import Mosquitto, console_url

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(120)]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


async def test_api_docs_render_with_nothing_from_another_host(
        tmp_path: Path, own_broker: Mosquitto, chromium: Browser) -> None:
    async with hub_for(tmp_path, own_broker) as hub:
        problems: list[str] = []
        context, page = await open_page(chromium, BIG_SCREEN, problems)
        elsewhere: list[str] = []

        async def only_loopback(route: Route) -> None:
            if urlsplit(route.request.url).hostname in LOOPBACK:
                await route.continue_()
            else:
                elsewhere.append(route.request.url)
                await route.abort()

        await context.route("**/*", only_loopback)
        await page.goto(console_url(hub) + "api/docs")
        await expect(page.locator(".swagger-ui .information-container .title")).to_contain_text("gridhub",
                                                                                                 timeout=20000)
        # A tag's heading, in either of Swagger UI's layouts (a long API is drawn as a virtual list).
        await expect(page.locator(".opblock-tag").first).to_be_visible()
        await expect(page.locator('.opblock-summary-path[data-path="/api/alerts"]').first).to_be_visible()
        html = await page.content()
        assert "cdn.jsdelivr.net" not in html and "fastapi.tiangolo.com" not in html
        assert elsewhere == [], elsewhere
        assert problems == [], problems
