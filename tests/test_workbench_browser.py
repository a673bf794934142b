"""The workbench in a real browser (Debian's Chromium through Playwright): log in, filter,
open a problem, mark it a false alarm and see it leave the open list, a department that
cannot reach another unit's problem; a screenshot of each main page, checked not blank."""

from __future__ import annotations

import shutil

import pytest

from conftest import AS_OF
from crawler.browser import BUNDLED, find_browser
from govwatch.config import load_config
from govwatch.store import models as m
from govwatch.store.db import Store
from test_workbench import ARCHIVE_SITE, PASSWORD, PORTAL, Server
from workbench import people
from workbench.app import create_app

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(find_browser() is None, reason="no Chromium: install Debian's `chromium` package")]


@pytest.fixture
def served(demo_dir, tmp_path):
    d = tmp_path / "demo"
    shutil.copytree(demo_dir, d)
    config = load_config(d / "sites.yaml")
    store = Store(config.database)
    with store.session() as s, s.begin():
        people.add(s, "office", "office", PASSWORD)
        people.add(s, "archive", "department", PASSWORD, owner="示例县档案馆")
        people.add(s, "admin", "admin", PASSWORD)
    server = Server(create_app(config, store, secret="browser"))
    yield server, store
    server.stop()
    store.close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    exe = find_browser()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=None if exe == BUNDLED else exe, args=["--no-sandbox"])
        yield b
        b.close()


def log_in(page, server, name):
    page.goto(server.url + "/")
    assert "/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")


def not_blank(path) -> bool:
    from PIL import Image

    colours = Image.open(path).convert("RGB").getcolors(maxcolors=1_000_000)
    return colours is not None and len(colours) > 20


def test_office_filters_opens_and_acknowledges_a_problem(served, browser, tmp_path):
    server, store = served
    page = browser.new_page()
    log_in(page, server, "office")
    page.screenshot(path=tmp_path / "week.png", full_page=True)
    assert PORTAL in page.content()

    page.goto(server.url + "/problems")
    page.screenshot(path=tmp_path / "problems.png", full_page=True)
    page.select_option("select[name=rule]", "dead-link")
    page.select_option("select[name=site]", PORTAL)
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**rule=dead-link**")
    first = page.locator("table.problems tbody tr td.num a").first
    vid = first.inner_text()
    first.click()
    page.wait_for_url(f"{server.url}/problems/{vid}")
    page.screenshot(path=tmp_path / "problem.png", full_page=True)
    page.fill("form:has(input[value=false-alarm]) input[name=reason]", "人工核实链接可用")
    page.click("form:has(input[value=false-alarm]) button")
    page.wait_for_selector("text=已保存答复")  # after the POST's redirect, not the page it left

    page.goto(server.url + "/problems?rule=dead-link")
    assert page.locator(f"a[href='/problems/{vid}']").count() == 0
    page.goto(server.url + "/problems?status=acknowledged")
    assert page.locator(f"a[href='/problems/{vid}']").count() > 0
    with store.session() as s:
        assert s.query(m.Answer).filter_by(violation_id=int(vid), by="office").count() == 1

    page.goto(server.url + "/reports")
    page.fill("input[name=week]", f"{AS_OF.isocalendar()[0]}-W{AS_OF.isocalendar()[1]:02d}")
    page.click("form.inline button")
    page.wait_for_selector("text=已重新生成", timeout=120_000)  # the week's PDF is rebuilt first
    page.screenshot(path=tmp_path / "reports.png", full_page=True)
    for shot in ("week", "problems", "problem", "reports"):
        assert not_blank(tmp_path / f"{shot}.png"), shot


def test_a_department_cannot_reach_another_units_problem(served, browser, tmp_path):
    server, store = served
    with store.session() as s:
        other = s.query(m.Violation).filter_by(site=PORTAL).first().id
        mine = s.query(m.Violation).filter_by(site=ARCHIVE_SITE).count()
    page = browser.new_page()
    log_in(page, server, "archive")
    page.goto(server.url + "/problems?status=all")
    assert page.locator("table.problems tbody tr").count() == mine
    assert PORTAL not in page.locator("table.problems").inner_text()
    response = page.goto(f"{server.url}/problems/{other}")
    assert response.status == 404
    page.goto(server.url + "/people")
    assert "没有权限" in page.content()
    page.screenshot(path=tmp_path / "denied.png")
    assert not_blank(tmp_path / "denied.png")
