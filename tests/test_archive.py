"""The report archive: one folder per week, the newest week's files under latest/, an index."""

from __future__ import annotations

import shutil

from conftest import govwatch
from reports import archive


def test_refresh_copies_the_newest_week_and_lists_all(tmp_path):
    for week, files in (("2026-W46", ("audit.pdf", "audit.html")), ("2026-W47", ("audit.pdf",))):
        (tmp_path / week).mkdir()
        for name in files:
            (tmp_path / week / name).write_text(f"{week} {name}", "utf-8")
    (tmp_path / "notes").mkdir()  # not a week: ignored
    archive.refresh(tmp_path)
    latest = tmp_path / "latest"
    assert (latest / "audit.pdf").read_text("utf-8") == "2026-W47 audit.pdf"
    assert (latest / "WEEK.txt").read_text("utf-8").strip() == "2026-W47"
    assert not (latest / "audit.html").exists()  # only the newest week's files
    index = (tmp_path / "index.html").read_text("utf-8")
    assert index.index("2026-W47") < index.index("2026-W46") and 'href="2026-W46/audit.html"' in index
    assert "<script" not in index


def test_report_command_keeps_latest_on_the_newest_week(demo_dir, tmp_path):
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    sites = str(directory / "sites.yaml")
    govwatch("check", "--config", sites, "--as-of", "2026-11-30")  # the same crawl judged a week later
    govwatch("report", "--config", sites, "--week", "2026-W49")
    govwatch("report", "--config", sites, "--week", "2026-W47", "--format", "html")  # regenerating an old week
    reports = directory / "reports"
    assert (reports / "latest" / "WEEK.txt").read_text("utf-8").strip() == "2026-W49"
    assert (reports / "latest" / "audit.pdf").read_bytes() == (reports / "2026-W49" / "audit.pdf").read_bytes()
    assert {p.name for p in archive.weeks(reports)} == {"2026-W47", "2026-W49"}
