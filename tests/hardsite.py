"""A small portal written to disk for fault-injection tests (served by govwatch.demo.server).

Three columns: 通知公告 (fresh), 工作动态 (fresh), 政策文件 (its newest item two years old: a
`stale-column` that a bad night must not mark fixed). Each article links one attachment.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

COLUMNS = (("tzgg", "通知公告", "2026-11-1"), ("gzdt", "工作动态", "2026-11-2"), ("zcwj", "政策文件", "2024-03-1"))


def page(title: str, body: str) -> str:
    nav = "".join(f'<a href="/{c}/">{name}</a>' for c, name, _ in COLUMNS)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="nav"><a href="/">首页</a>{nav}</div><h1>{title}</h1>{body}'
            f'<div class="footer">示例县人民政府 主办</div></body></html>')


def write_site(root: Path, articles: int = 6, home_extra: str = "") -> None:
    (root / "files").mkdir(parents=True, exist_ok=True)
    for column, label, day in COLUMNS:
        (root / column).mkdir(exist_ok=True)
        rows = []
        for i in range(articles):
            date = f"{day}{i % 10}"
            (root / "files" / f"{column}-{i}.pdf").write_bytes(b"%PDF-1.4 test")
            body = f'<p>发布日期：{date}</p><p>关于第{i}项工作的{label}正文。</p><a href="/files/{column}-{i}.pdf">附件</a>'
            (root / column / f"{i}.html").write_text(page(f"关于第{i}项工作的{label}", body), "utf-8")
            rows.append(f'<li><a href="/{column}/{i}.html">关于第{i}项工作的{label}</a><span>{date}</span></li>')
        (root / column / "index.html").write_text(page(label, f'<ul class="list">{"".join(rows)}</ul>'), "utf-8")
    write_home(root, home_extra)


def write_home(root: Path, extra: str = "") -> None:
    (root / "index.html").write_text(page("示例县人民政府", f"<p>2026-11-20 首页要闻</p>{extra}"), "utf-8")


def sites_file(tmp_path: Path, url: str, crawl: str = "", top: str = "") -> str:
    path = tmp_path / "sites.yaml"
    path.write_text(f"""database: sqlite:///govwatch.db
{top}sites:
  - name: 县
    url: {url}
crawl: {{delay: 0, concurrency: 4, robots: false{crawl}}}
""", "utf-8")
    return str(path)


def last_visit(tmp_path: Path) -> dict:
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("select * from site_visits order by id desc limit 1").fetchone()
        out = dict(row)
    out["coverage"] = json.loads(out["coverage"]) if out["coverage"] else None
    return out


def runs(tmp_path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        return conn.execute("select id, status from runs order by id").fetchall()
