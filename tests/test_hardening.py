"""Fault injection: a bad night must never clear real problems or invent new ones (issue 16).

Each test crawls a real local portal (crawler.demo.server) with the installed command."""

from __future__ import annotations

import pytest

from conftest import govwatch, violations_json
from crawler.demo.server import PortalServer
from hardsite import last_visit, runs, sites_file, write_home, write_site

pytestmark = pytest.mark.slow

BAD_HREFS = ("http://www.xx.gov.cn：8080/", "http://www.xx.gov.cn:99999/", "http://www.xx.gov.cn:8O8O/", "http://[::1")


def _problems(sites: str, *skip: str) -> set[tuple[str, str]]:
    return {(v["rule"], v["url"]) for v in violations_json(sites) if v["rule"] not in skip}


def test_a_malformed_href_is_one_warning_never_a_lost_page(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        before = _problems(sites)
        pages = last_visit(tmp_path)["pages"]
        assert ("stale-column", f"{server.url}zcwj/") in before
        write_home(root, "".join(f'<a href="{h}">坏链接{i}</a>' for i, h in enumerate(BAD_HREFS)))
        govwatch("run", "--config", sites, "--as-of", "2026-11-24")
    visit = last_visit(tmp_path)
    assert visit["pages"] == pages and visit["completed"]
    assert _problems(sites, "malformed-link") == before  # nothing fixed, nothing invented
    found = {v["url"]: v for v in violations_json(sites) if v["rule"] == "malformed-link"}
    assert set(found) == set(BAD_HREFS)
    for v in found.values():
        assert v["severity"] == "warning" and v["page"] == server.url and v["detail"]["note"]
