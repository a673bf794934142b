"""The report archive an office pulls from: ``<archive>/<YYYY-Www>/audit.<ext>`` per week,
``<archive>/latest/`` holding copies of the newest week's files, and ``<archive>/index.html``
listing every week (static: no script, no external resource). Copies rather than a symlink:
archives are often shared over SMB or synced, where links do not survive."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

_WEEK = re.compile(r"^\d{4}-W\d{2}$")
LATEST = "latest"


def weeks(archive: Path) -> list[Path]:
    """The week folders, newest first."""
    if not archive.is_dir():
        return []
    return sorted((p for p in archive.iterdir() if p.is_dir() and _WEEK.match(p.name)), key=lambda p: p.name,
                  reverse=True)


def refresh(archive: Path) -> None:
    """Bring ``latest/`` and ``index.html`` up to date with the week folders."""
    found = weeks(archive)
    if not found:
        return
    newest = found[0]
    latest = archive / LATEST
    latest.mkdir(exist_ok=True)
    for old in latest.iterdir():
        if old.is_file() and not (newest / old.name).exists():
            old.unlink()
    for f in newest.iterdir():
        if f.is_file():
            shutil.copy2(f, latest / f.name)
    (latest / "WEEK.txt").write_text(newest.name + "\n", encoding="utf-8")
    (archive / "index.html").write_text(_index(found), encoding="utf-8")


def _index(found: list[Path]) -> str:
    rows = []
    for week in found:
        files = sorted(f.name for f in week.iterdir() if f.is_file())
        links = " ".join(f'<a href="{html.escape(week.name)}/{html.escape(name)}">{html.escape(name)}</a>'
                         for name in files)
        rows.append(f"<tr><td>{html.escape(week.name)}</td><td>{links}</td></tr>")
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>政府网站监测周报归档</title>"
            "<style>body{font-family:sans-serif;margin:2em}td{padding:4px 12px;border-bottom:1px solid #ddd}</style>"
            "</head><body>\n<h1>政府网站监测周报归档</h1>\n"
            f"<p>最新一期：<a href=\"{LATEST}/\">{html.escape(found[0].name)}</a>（文件同时复制在 {LATEST}/ 目录）</p>\n"
            "<table><tr><th>周次</th><th>文件</th></tr>\n" + "\n".join(rows) + "\n</table>\n</body></html>\n")
