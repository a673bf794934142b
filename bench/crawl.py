"""Crawl benchmark: generate a large synthetic county portal, audit it, report speed and memory.

Run it from the repository with the project's virtualenv::

    /tmp/venv/bin/python bench/crawl.py                       # 2,000 then 20,000 pages
    /tmp/venv/bin/python bench/crawl.py --pages 2000 --json bench-2k.json
    /tmp/venv/bin/python bench/crawl.py --pages 500 --out /tmp/gw-bench --keep

For each size N it

1. writes a deterministic TRS-style portal of exactly N HTML pages (home, 40 news/notice/policy/
   personnel/plan columns with paginated lists of 20 rows, one static column, articles of ~1,000
   Chinese characters with 信息公开 tables in policy-like columns, 1-2 attachments each, some of
   them missing, and a broken internal link in ~5 % of the articles; dates relative to the fixed
   as-of date 2026-11-22) and a ground truth (``truth.json``: page counts, every URL of the link
   graph, the dead links, the documents with missing metadata) beside it;
2. serves it on 127.0.0.1 in its own process with ``bench/static_server.py`` (``--server demo``:
   ``python -m govwatch.demo.server``, which adds ~40 ms per GET and SYN retries of 1-3 s, see
   static_server.py; nginx is not assumed);
3. writes a sites file (SQLite database in the same folder, ``delay: 0``, ``concurrency: 16``)
   and runs ``python -m crawler run --config ... --as-of 2026-11-22`` under ``/usr/bin/time -v``
   (or getrusage when that is missing), sampling the crawler's RSS from /proc as it goes;
4. reads the database: pages stored, unique URLs checked (link_checks), columns, violations
   by rule, and compares the dead links and missing-metadata documents with the ground truth.

What it measures: wall time of the whole `govwatch run` (crawl + checks; the crawl part alone
from the run's timestamps), pages/s (pages stored / wall), URLs/s (unique URLs checked / wall),
CPU of the crawler and of the server, requests and TCP connections the server saw, and the
crawler's peak RSS (plus RSS samples over the run, to see whether memory grows with the site). The table goes to stdout, `--json FILE` keeps
everything. The generated folders are removed unless `--keep` or `--out` is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from govwatch.demo.portal import trs_pager

AS_OF = dt.date(2026, 11, 22)
SEED = 20261122
PAGE_SIZE = 20  # rows per list page
REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "govwatch" / "demo" / "assets"

SITE_NAME = "基准县人民政府"
SITE_CODE = "3609990001"
ORG_CODE = "11360999MB7654321Y"
OFFICE = "基准县人民政府办公室"
EMAIL = "zwgk@bench.example.gov.cn"
PHONE = "0795-7654321"
LOGO = "/images/logo.png"
CSS = "/css/main.css"
JIUCUO = "/jiucuo.html"
STATIC = ("机构职能", "/jgzn/")

BROKEN_LINK_SHARE = 0.05  # articles with one broken internal link
MISSING_ATTACHMENT_SHARE = 0.02  # articles with one attachment that is not on the server
MISSING_METADATA_SHARE = 0.02  # policy-like documents whose 发文字号 is left empty
POLICY_LIKE = ("policy", "notice", "personnel", "plan")  # columns whose documents carry 信息公开 tables

# (name, category as crawler.extract.columns.categorize gives it, weight, newest item days ago,
#  days between items). Two columns are planted stale: 新闻发布 (news, 30 days) and 公示公告
#  (notice, 200 days).
COLUMNS: tuple[tuple[str, str, int, int, int], ...] = (
    ("要闻动态", "news", 2, 0, 1), ("部门动态", "news", 2, 1, 1), ("乡镇动态", "news", 2, 1, 1),
    ("图片新闻", "news", 2, 2, 2), ("新闻发布", "news", 1, 30, 3), ("基层动态", "news", 2, 3, 2),
    ("政务要闻", "news", 2, 0, 1), ("工作动态", "news", 2, 2, 2), ("通知公告", "notice", 2, 3, 3),
    ("公示公告", "notice", 1, 200, 5), ("通告信息", "notice", 1, 20, 6), ("政策文件", "policy", 2, 10, 4),
    ("县政府文件", "policy", 1, 25, 7), ("县政府办文件", "policy", 1, 18, 6), ("部门文件", "policy", 1, 40, 8),
    ("规范性文件", "policy", 1, 60, 10), ("政策解读", "interpretation", 1, 10, 4),
    ("图文解读", "interpretation", 1, 35, 9), ("人事信息", "personnel", 1, 50, 12),
    ("人事任免", "personnel", 1, 90, 15), ("招考录用", "personnel", 1, 70, 10),
    ("规划计划", "plan", 1, 120, 20), ("发展规划", "plan", 1, 150, 25), ("工作计划", "plan", 1, 80, 18),
    ("工作总结", "plan", 1, 100, 20), ("财政信息", "news", 1, 5, 8), ("统计信息", "news", 1, 8, 6),
    ("审计信息", "news", 1, 12, 9), ("政府采购信息", "news", 1, 4, 3), ("重大项目信息", "news", 1, 6, 5),
    ("乡村振兴动态", "news", 2, 2, 2), ("教育动态", "news", 1, 5, 4), ("卫生健康动态", "news", 1, 3, 3),
    ("生态环境信息", "news", 1, 7, 5), ("安全生产信息", "news", 1, 4, 4), ("民生资讯", "news", 1, 1, 2),
    ("营商环境动态", "news", 1, 9, 6), ("交通建设动态", "news", 1, 6, 5), ("文化旅游资讯", "news", 1, 3, 3),
    ("社会保障信息", "news", 1, 11, 7),
)

_TIMES = ("08:45", "09:30", "10:15", "11:05", "14:40", "15:20", "16:35", "17:10")
_ORGS = ("县发展和改革委员会", "县教育体育局", "县公安局", "县民政局", "县财政局", "县人力资源和社会保障局",
         "县自然资源局", "县生态环境局", "县住房和城乡建设局", "县交通运输局", "县水利局", "县农业农村局",
         "县商务局", "县卫生健康委员会", "县应急管理局", "县市场监督管理局", "县统计局", "县医疗保障局",
         "城关镇人民政府", "青石镇人民政府", "河口乡人民政府", "东山乡人民政府")
_TOPICS = ("安全生产", "乡村振兴", "优化营商环境", "防汛抗旱", "食品安全", "就业创业", "老旧小区改造",
           "森林防火", "义务教育", "医疗保障", "生态环境保护", "农村人居环境整治", "重点项目建设",
           "政务公开", "消防安全", "校园安全", "耕地保护", "河湖长制", "文明城市创建", "疫苗接种")
_NEWS_FORMS = ("{org}召开{topic}工作推进会", "{org}开展{topic}专项行动", "县领导调研{topic}工作",
               "{org}部署{topic}重点任务", "我县{topic}工作取得阶段性成效", "{org}举办{topic}业务培训班",
               "{org}组织开展{topic}督导检查")
_DOC_FORMS = ("{organ}关于印发《基准县{topic}实施方案》的通知", "{organ}关于进一步加强{topic}工作的意见",
              "{organ}关于做好{topic}有关工作的通知", "{organ}关于公布{topic}事项清单的公告",
              "{organ}关于印发《基准县{topic}管理办法》的通知")
_SENTENCES = (
    "会议传达学习了上级有关会议和文件精神，听取了各责任单位工作进展情况汇报。",
    "会议强调，各乡镇、各部门要进一步提高思想认识，压紧压实工作责任，确保各项任务按时保质完成。",
    "要加强统筹协调和督促检查，对工作推进不力的单位及时通报，推动各项措施落地见效。",
    "活动现场，工作人员向群众发放宣传资料，耐心解答群众关心关注的热点难点问题。",
    "据统计，本次活动共发放宣传资料三千余份，接受群众咨询四百余人次，取得了良好的社会效果。",
    "下一步，该局将建立长效工作机制，定期开展督促检查，推动工作常态化、制度化、规范化。",
    "对检查中发现的问题，检查组当场反馈并下达整改意见，明确整改时限，实行闭环管理。",
    "参加活动的干部群众纷纷表示，将以此为契机，进一步增强责任意识，为全县高质量发展贡献力量。",
    "今年以来，我县坚持以人民为中心的发展思想，聚焦群众急难愁盼问题，扎实推进各项民生实事。",
    "各单位要严格落实属地管理责任和部门监管责任，加强隐患排查治理，坚决防范化解重大风险。",
    "县直有关部门主要负责同志、各乡镇分管负责同志参加会议，并结合各自职责作了表态发言。",
    "通过实地查看、查阅资料、座谈交流等方式，全面了解工作开展情况和存在的困难问题。",
    "要坚持问题导向和目标导向，细化工作举措，明确时间节点，切实把各项部署要求落到实处。",
    "要强化宣传引导，充分利用政府网站、政务新媒体等平台，及时发布权威信息，回应社会关切。",
    "要加大资金投入，优化资源配置，完善配套政策，为工作顺利推进提供有力保障。",
    "据了解，该项目总投资约二点三亿元，建成后将进一步改善沿线群众生产生活条件。",
    "检查组一行先后来到企业生产车间、建设工地和人员密集场所，详细了解安全管理制度落实情况。",
    "与会人员围绕主题进行了深入交流研讨，并就下一阶段重点工作提出了意见建议。",
)
_CSS_TEXT = """body{margin:0;font:14px/1.8 "Microsoft YaHei",SimSun,sans-serif;color:#333}
.header{background:#c8102e;color:#fff;padding:10px 40px}.nav ul{margin:0;padding:0 40px;list-style:none}
.nav li{display:inline-block}.nav a{padding:6px 10px;color:#fff}.list li{border-bottom:1px dashed #ddd}
.list .date{float:right;color:#888}.info{color:#888;text-align:center}h1{text-align:center;font-size:22px}
.xxgk td{border:1px solid #ccc;padding:4px 8px}.page{text-align:center}.footer{background:#eee;text-align:center}
"""


# ---------------------------------------------------------------- the synthetic portal


@dataclass
class Column:
    index: int
    name: str
    category: str
    weight: int
    newest: int  # days before the as-of date
    every: int  # days between items
    articles: int = 0

    @property
    def url(self) -> str:
        return f"/col{self.index:02d}/"

    @property
    def list_pages(self) -> int:
        return max(1, -(-self.articles // PAGE_SIZE))


@dataclass
class Article:
    col: Column
    title: str
    when: dt.datetime
    source: str
    docid: int = 0
    meta: list[tuple[str, str]] | None = None
    attachments: list[tuple[str, str, bool]] = field(default_factory=list)  # href, anchor, exists
    broken: str | None = None  # href of a missing internal page

    @property
    def url(self) -> str:
        return f"{self.col.url}{self.when:%Y%m}/t{self.when:%Y%m%d}_{self.docid}.html"


@dataclass
class Truth:
    pages: int
    articles: int
    list_pages: int
    other_pages: int
    columns: int
    urls: set[str] = field(default_factory=set)  # every internal URL of the link graph (paths)
    dead: set[str] = field(default_factory=set)
    missing_metadata: set[str] = field(default_factory=set)
    attachments: int = 0
    link_occurrences: int = 0
    bytes: int = 0

    def as_json(self) -> dict:
        return {
            "as_of": AS_OF.isoformat(), "pages": self.pages, "articles": self.articles,
            "list_pages": self.list_pages, "other_pages": self.other_pages, "columns": self.columns,
            "stale_columns_planted": [c[0] for c in COLUMNS if (c[1] == "news" and c[3] > 14)
                                      or (c[1] in ("notice", "policy") and c[3] > 183)],
            "attachments": self.attachments, "unique_urls": len(self.urls),
            "link_occurrences": self.link_occurrences, "html_bytes": self.bytes,
            "dead_links": len(self.dead), "missing_metadata": len(self.missing_metadata),
            "dead_link_urls": sorted(self.dead), "missing_metadata_urls": sorted(self.missing_metadata),
        }


def allocate(n_pages: int) -> list[Column]:
    """Columns with article counts such that home + static pages + lists + articles == n_pages."""
    fixed = 3  # home, the static column, 我为政府网站找错
    cols = [Column(i + 1, *spec) for i, spec in enumerate(COLUMNS)]
    if n_pages < fixed + len(cols):
        raise ValueError(f"at least {fixed + len(cols)} pages are needed")
    total_weight = sum(c.weight for c in cols)

    def spread(articles: int) -> int:
        shares = [articles * c.weight / total_weight for c in cols]
        for c, s in zip(cols, shares):
            c.articles = int(s)
        rest = articles - sum(c.articles for c in cols)
        for c in sorted(cols, key=lambda c: (-(shares[c.index - 1] % 1), c.index))[:rest]:
            c.articles += 1
        return fixed + articles + sum(c.list_pages for c in cols)

    lo, hi = 0, n_pages
    while lo < hi:  # the most articles that fit; the total grows by 1 or 2 per article
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if spread(mid) <= n_pages else (lo, mid - 1)
    if spread(lo) == n_pages - 1:
        # one page short: move an article so that one more list page is needed
        give = next(c for c in cols if c.articles > 1 and c.articles % PAGE_SIZE != 1)
        take = next(c for c in cols if c is not give and c.articles and c.articles % PAGE_SIZE == 0)
        give.articles -= 1
        take.articles += 1
    assert fixed + sum(c.articles + c.list_pages for c in cols) == n_pages
    return cols


def _cn(d: dt.date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def build_articles(cols: list[Column], rng: random.Random) -> list[Article]:
    out: list[Article] = []
    for c in cols:
        for k in range(c.articles):
            day = AS_OF - dt.timedelta(days=c.newest + k * c.every)
            when = dt.datetime.combine(day, dt.time.fromisoformat(_TIMES[(k + c.index) % len(_TIMES)]))
            org, topic = rng.choice(_ORGS), rng.choice(_TOPICS)
            if c.category in POLICY_LIKE:
                organ = rng.choice((SITE_NAME, OFFICE, "基准" + org))
                title = rng.choice(_DOC_FORMS).format(organ=organ, topic=topic)
            else:
                organ = "基准" + org
                title = rng.choice(_NEWS_FORMS).format(org=org, topic=topic)
            out.append(Article(c, title, when, organ))
    out.sort(key=lambda a: (a.when, a.col.index, a.title))
    for n, a in enumerate(out):  # TRS-like document ids, ascending with publication time
        a.docid = 100001 + n
    seq: dict[int, int] = {}
    for n, a in enumerate(out):
        folder = f"{a.col.url}{a.when:%Y%m}/"
        stamp = f"{a.when:%Y%m%d}"
        for k in range(1 + (a.docid % 3 == 0)):
            ext = ".pdf" if (a.docid + k) % 2 else ".docx"
            href = f"{folder}P0{stamp}{a.docid:06d}{k + 1}{ext}"
            a.attachments.append((href, f"附件{k + 1}：{('报名表', '明细表', '实施细则')[k]}{ext}", True))
        if rng.random() < MISSING_ATTACHMENT_SHARE:
            href, anchor, _ = a.attachments[-1]
            a.attachments[-1] = (href, anchor, False)
        if rng.random() < BROKEN_LINK_SHARE:
            # a related article that was deleted: an id no real page has
            a.broken = f"{folder}t{stamp}_{900001 + n}.html"
        if a.col.category in POLICY_LIKE:
            year = a.when.year
            seq[year] = seq.get(year, 0) + 1
            signed = a.when.date() - dt.timedelta(days=2 + a.docid % 4)
            prefix = {"personnel": "基府字", "plan": "基府发"}.get(a.col.category, "基府办发")
            number = "" if rng.random() < MISSING_METADATA_SHARE else f"{prefix}〔{signed.year}〕{seq[year]}号"
            a.meta = [("索 引 号：", f"{ORG_CODE}/{year}-{seq[year]:05d}"), ("主题分类：", "综合政务\\其他"),
                      ("发文机关：", a.source), ("成文日期：", _cn(signed)), ("标\u3000\u3000题：", a.title),
                      ("发文字号：", number), ("发布日期：", _cn(a.when.date()))]
    return out


class Renderer:
    """HTML of every page; the shared chrome (nav, footer) is built once."""

    def __init__(self, cols: list[Column]) -> None:
        nav = "".join(f'<li><a href="{c.url}">{c.name}</a></li>' for c in cols)
        nav += f'<li><a href="{STATIC[1]}">{STATIC[0]}</a></li>'
        self.nav = f'<div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>'
        self.chrome_links = ["/", *(c.url for c in cols), STATIC[1], LOGO, CSS, JIUCUO]
        self.footer = f"""<div class="footer">
<p><a href="{JIUCUO}">我为政府网站找错</a> | <a href="mailto:{EMAIL}">联系我们</a> | <a href="#top">返回顶部</a></p>
<p>主办单位：{OFFICE}　承办单位：基准县政务服务数据管理局</p>
<p>网站标识码：{SITE_CODE}　<span class="icp">赣ICP备87654321号</span>　<span class="gaba">赣公网安备 36099902000321号</span></p>
<p>联系电话：<a href="tel:{PHONE}">{PHONE}</a>　电子邮箱：{EMAIL}</p>
</div>"""

    def page(self, title: str, main: str, metas: dict[str, str] | None = None,
             crumb: tuple[str, str] | None = None) -> str:
        m = {"SiteName": SITE_NAME, "SiteIDCode": SITE_CODE, **(metas or {})}
        head = "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in m.items())
        pos = (f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{crumb[1]}">{crumb[0]}</a></div>\n'
               if crumb else "")
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
{head}
<meta name="Maketime" content="{AS_OF.isoformat()} 03:00:00">
<link rel="stylesheet" href="{CSS}">
</head>
<body>
<div id="top" class="header"><a href="/"><img src="{LOGO}" alt="{SITE_NAME}" width="64" height="64"></a><span class="site-name">{SITE_NAME}</span></div>
{self.nav}
{pos}<div class="main">
{main}
</div>
{self.footer}
</body>
</html>
"""

    @staticmethod
    def row(href: str, a: Article) -> str:
        t = escape(a.title)
        short = t if len(a.title) <= 28 else escape(a.title[:28]) + "…"
        return f'<li><a href="{href}" title="{t}">{short}</a><span class="date">{a.when:%Y-%m-%d}</span></li>'

    pager = staticmethod(trs_pager)  # the same TRS pager markup as the demo portal

    def list_page(self, col: Column, items: list[Article], cur: int) -> str:
        rows = "\n".join(self.row(f"{a.when:%Y%m}/t{a.when:%Y%m%d}_{a.docid}.html", a) for a in items)
        main = (f'<div class="column-title"><h2>{col.name}</h2></div>\n<ul class="list">\n'
                f'{rows or "<li>暂无信息</li>"}\n</ul>\n{self.pager(col.list_pages, cur)}')
        return self.page(f"{col.name} - {SITE_NAME}", main, {"ColumnName": col.name}, (col.name, col.url))

    def article(self, a: Article, body: str, prev: Article | None, nxt: Article | None) -> str:
        when = a.when.strftime("%Y-%m-%d %H:%M")
        table = ""
        if a.meta:
            cells = [f'<td class="label">{label}</td><td>{escape(value)}</td>' for label, value in a.meta]
            rows = [cells[0] + cells[1], cells[2] + cells[3],
                    cells[4].replace("<td>", '<td colspan="3">', 1), cells[5] + cells[6]]
            table = '<table class="xxgk">\n' + "\n".join(f"<tr>{r}</tr>" for r in rows) + "\n</table>\n"
        extra = "".join(f'<p class="attachment"><a href="{h}">{escape(t)}</a></p>\n' for h, t, _ in a.attachments)
        if a.broken:
            extra += f'<p class="related">相关链接：<a href="{a.broken}">{escape(a.title[:10])}（相关报道）</a></p>\n'
        for label, other in (("上一篇", prev), ("下一篇", nxt)):
            if other is not None:
                extra += f'<p class="prevnext">{label}：<a href="{other.url}">{escape(other.title)}</a></p>\n'
        main = (f"{table}<h1>{escape(a.title)}</h1>\n"
                f'<div class="info">发布时间：{when}　来源：{escape(a.source)}</div>\n'
                f'<div class="TRS_Editor" id="zoom">\n{body}\n</div>\n{extra}')
        metas = {"ColumnName": a.col.name, "ArticleTitle": a.title, "PubDate": when, "ContentSource": a.source}
        return self.page(f"{a.title} - {SITE_NAME}", main, metas, (a.col.name, a.col.url))

    def home(self, cols: list[Column], by_col: dict[int, list[Article]]) -> str:
        blocks = []
        for c in cols[:4] + [cols[8], cols[11]]:
            rows = "\n".join(self.row(a.url, a) for a in by_col[c.index][:8])
            blocks.append(f'<div class="block"><h2><a href="{c.url}">{c.name}</a></h2>'
                          f'<a class="more" href="{c.url}">更多&gt;&gt;</a>\n<ul class="list">\n{rows}\n</ul></div>')
        return self.page(SITE_NAME, "\n".join(blocks))


def body_text(rng: random.Random, lead: str) -> str:
    """~1,000 Chinese characters in paragraphs of three or four sentences."""
    sentences, size = [lead], len(lead)
    while size < 1000:
        s = rng.choice(_SENTENCES)
        sentences.append(s)
        size += len(s)
    paras = [sentences[i:i + 4] for i in range(0, len(sentences), 4)]
    return "\n".join(f"<p>{''.join(p)}</p>" for p in paras)


def _docx() -> bytes:
    """A minimal valid .docx (deterministic: fixed zip timestamps)."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>附件：报名表</w:t></w:r></w:p></w:body></w:document>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


def generate(root: Path, n_pages: int) -> Truth:
    """Write the portal of exactly n_pages HTML pages under root; return its ground truth."""
    rng = random.Random(SEED)
    cols = allocate(n_pages)
    articles = build_articles(cols, rng)
    by_col: dict[int, list[Article]] = {c.index: [] for c in cols}
    for a in sorted(articles, key=lambda a: a.when, reverse=True):
        by_col[a.col.index].append(a)
    r = Renderer(cols)
    truth = Truth(pages=n_pages, articles=len(articles), list_pages=sum(c.list_pages for c in cols),
                  other_pages=3, columns=len(cols) + 1)

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    originals = {".pdf": root / "_files" / "a.pdf", ".docx": root / "_files" / "a.docx"}
    originals[".pdf"].parent.mkdir()
    originals[".pdf"].write_bytes((ASSETS / "form.pdf").read_bytes())
    originals[".docx"].write_bytes(_docx())

    def write(path: str, html: str, links: list[str]) -> None:
        target = root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        target.parent.mkdir(parents=True, exist_ok=True)
        data = html.encode("utf-8")
        target.write_bytes(data)
        truth.bytes += len(data)
        truth.urls.update(links)
        truth.link_occurrences += len(links)

    (root / "images").mkdir()
    (root / "images" / "logo.png").write_bytes((ASSETS / "logo.png").read_bytes())
    (root / "css").mkdir()
    (root / "css" / "main.css").write_text(_CSS_TEXT, "utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", "utf-8")

    chrome = r.chrome_links
    home_links = [a.url for c in cols[:4] + [cols[8], cols[11]] for a in by_col[c.index][:8]]
    write("/", r.home(cols, by_col), chrome + home_links)
    write(STATIC[1], r.page(f"{STATIC[0]} - {SITE_NAME}",
                            f"<h1>{STATIC[0]}</h1>\n<div class=\"TRS_Editor\"><p>{SITE_NAME}是县人民代表大会的执行机关，"
                            "是县级国家行政机关。</p><p>办公地址：基准县城关镇人民大道一号县行政中心。</p></div>",
                            {"ColumnName": STATIC[0]}, STATIC), chrome + [STATIC[1]])
    write(JIUCUO, r.page(f"我为政府网站找错 - {SITE_NAME}",
                         f"<h1>我为政府网站找错</h1>\n<p>欢迎社会公众对{SITE_NAME}门户网站存在的问题进行监督。</p>"),
          chrome)

    for c in cols:
        items = by_col[c.index]
        for p in range(c.list_pages):
            chunk = items[p * PAGE_SIZE:(p + 1) * PAGE_SIZE]
            name = "" if p == 0 else f"index_{p}.html"
            # every page of the pager: index.html is the column URL itself
            pager = [c.url + ("" if i == 0 else f"index_{i}.html") for i in range(c.list_pages)]
            write(c.url + name, r.list_page(c, chunk, p), chrome + [c.url] + pager + [a.url for a in chunk])
        for k, a in enumerate(items):
            nxt, prev = (items[k - 1] if k else None), (items[k + 1] if k + 1 < len(items) else None)
            body = body_text(rng, f"{a.when.month}月{a.when.day}日，{a.title}。")
            links = chrome + [a.col.url] + [h for h, _, _ in a.attachments]
            links += [o.url for o in (prev, nxt) if o is not None] + ([a.broken] if a.broken else [])
            write(a.url, r.article(a, body, prev, nxt), links)
            for href, _, exists in a.attachments:
                truth.attachments += 1
                if exists:
                    os.link(originals[Path(href).suffix], root / href.lstrip("/"))
                else:
                    truth.dead.add(href)
            if a.broken:
                truth.dead.add(a.broken)
            if a.meta and not dict(a.meta)["发文字号："]:
                truth.missing_metadata.add(a.url)
    return truth


# ---------------------------------------------------------------- serving and running


SERVERS = {
    # bench/static_server.py: one write per response with TCP_NODELAY (the default)
    "fast": [sys.executable, str(Path(__file__).with_name("static_server.py"))],
    # the demo portal's server: ~40 ms per keep-alive GET (delayed ACK), see static_server.py
    "demo": [sys.executable, "-m", "govwatch.demo.server"],
}


class Server:
    """A static server for ROOT in its own process, on a free port of 127.0.0.1."""

    def __init__(self, root: Path, kind: str = "fast", log: Path | None = None) -> None:
        self.log = log
        self.stats: dict = {}  # requests and connections served (bench/static_server.py only)
        with open(log or os.devnull, "wb") as err:
            self.proc = subprocess.Popen([*SERVERS[kind], str(root), "--port", "0"],
                                         stdout=subprocess.PIPE, stderr=err, text=True, cwd=REPO)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the portal server did not start (said {line!r})")
        self.url = line

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.log and self.log.exists():
            for line in self.log.read_text("utf-8", "replace").splitlines()[::-1]:
                if line.startswith("{"):
                    self.stats = json.loads(line)
                    break


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for t in Path(f"/proc/{p}/task").iterdir()
                    for k in (t / "children").read_text().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


class RssSampler(threading.Thread):
    """Samples the largest RSS in a process tree every `interval` s (with `children_only`, the
    crawler under /usr/bin/time, not time itself)."""

    def __init__(self, pid: int, interval: float = 0.5, children_only: bool = False) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.start_time = pid, interval, time.monotonic()
        self.children_only = children_only
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            pids = _descendants(self.pid) if self.children_only else [self.pid, *_descendants(self.pid)]
            rss = [r for p in pids if (r := _rss_mb(p)) is not None]
            if rss:
                self.samples.append((round(time.monotonic() - self.start_time, 1), round(max(rss), 1)))


def write_sites(folder: Path, url: str, truth: Truth, cols_max_list_pages: int) -> Path:
    crawl = {"delay": 0, "concurrency": 16, "max_pages": max(100000, 2 * truth.pages)}
    if cols_max_list_pages > 50:  # the crawler's default; a bigger portal needs more
        crawl["max_list_pages"] = cols_max_list_pages
    path = folder / "sites.yaml"
    crawl_yaml = ", ".join(f"{k}: {v}" for k, v in crawl.items())
    path.write_text(f"# written by bench/crawl.py\ndatabase: sqlite:///{folder / 'bench.db'}\n"
                    f"crawl: {{{crawl_yaml}}}\nsites:\n  - name: {SITE_NAME}\n    url: {url}\n", "utf-8")
    return path


def _parse_time_v(text: str) -> dict:
    out = {}
    if m := re.search(r"Maximum resident set size \(kbytes\): (\d+)", text):
        out["peak_rss_mb"] = round(int(m.group(1)) / 1024, 1)
    if m := re.search(r"User time \(seconds\): ([\d.]+)", text):
        out["user_s"] = float(m.group(1))
    if m := re.search(r"System time \(seconds\): ([\d.]+)", text):
        out["sys_s"] = float(m.group(1))
    if m := re.search(r"Exit status: (\d+)", text):
        out["exit_status"] = int(m.group(1))
    return out


def run_govwatch(folder: Path, sites: Path, server: Server, timeout: float) -> dict:
    import resource

    cmd = [sys.executable, "-m", "crawler", "run", "--config", str(sites), "--as-of", AS_OF.isoformat()]
    gnu_time = Path("/usr/bin/time")
    use_time = gnu_time.exists() and os.access(gnu_time, os.X_OK)
    timing = folder / "time.txt"
    full = [str(gnu_time), "-v", "-o", str(timing), *cmd] if use_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = server.cpu_seconds()
    started = time.monotonic()
    with open(folder / "govwatch.log", "wb") as log:
        proc = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        sampler = RssSampler(proc.pid, children_only=use_time)
        sampler.start()
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "timeout"
        finally:
            sampler.done.set()
            sampler.join()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"command": " ".join(cmd), "exit": code, "wall_s": round(wall, 2),
           "server_cpu_s": round(server.cpu_seconds() - server_cpu, 2), "rss_samples": sampler.samples}
    if use_time and timing.exists():
        out.update(_parse_time_v(timing.read_text()))
    else:
        out.update(peak_rss_mb=round(after.ru_maxrss / 1024, 1),  # kB on Linux; max over waited children
                   user_s=round(after.ru_utime - before.ru_utime, 2), sys_s=round(after.ru_stime - before.ru_stime, 2))
    return out


def read_results(db: Path, truth: Truth) -> dict:
    con = sqlite3.connect(db)
    try:
        run_id, started, finished = con.execute(
            "SELECT id, started_at, finished_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        one = lambda sql: con.execute(sql, (run_id,)).fetchone()[0]  # noqa: E731
        crawl_s = None
        if started and finished:
            crawl_s = round((dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)).total_seconds(), 2)
        verdicts = dict(con.execute("SELECT verdict, count(*) FROM link_checks WHERE run_id = ? GROUP BY verdict",
                                    (run_id,)).fetchall())
        rules = dict(con.execute("SELECT rule, count(*) FROM violations WHERE last_run_id = ? AND status = 'open' "
                                 "GROUP BY rule ORDER BY rule", (run_id,)).fetchall())
        dead = {urlsplit(u).path for (u,) in con.execute(
            "SELECT url FROM violations WHERE last_run_id = ? AND status = 'open' AND rule = 'dead-link'", (run_id,))}
        missing = {urlsplit(u).path for (u,) in con.execute(
            "SELECT url FROM violations WHERE last_run_id = ? AND status = 'open' AND rule = 'missing-metadata'",
            (run_id,))}
        checked = {urlsplit(u).path for (u,) in con.execute("SELECT url FROM link_checks WHERE run_id = ?", (run_id,))}
        return {
            "run_id": run_id, "crawl_s": crawl_s,
            "pages": one("SELECT count(*) FROM pages WHERE run_id = ?"),
            "page_kinds": dict(con.execute("SELECT kind, count(*) FROM pages WHERE run_id = ? GROUP BY kind",
                                           (run_id,)).fetchall()),
            "links": one("SELECT count(*) FROM links WHERE run_id = ?"),
            "urls_checked": one("SELECT count(*) FROM link_checks WHERE run_id = ?"),
            "verdicts": verdicts,
            "columns": one("SELECT count(*) FROM columns WHERE run_id = ?"),
            "column_kinds": dict(con.execute("SELECT kind, count(*) FROM columns WHERE run_id = ? GROUP BY kind",
                                             (run_id,)).fetchall()),
            "violations": rules,
            "dead_found": len(dead), "dead_expected": len(truth.dead),
            "dead_missed": sorted(truth.dead - dead)[:20], "dead_extra": sorted(dead - truth.dead)[:20],
            "dead_match": dead == truth.dead,
            "missing_metadata_found": len(missing), "missing_metadata_expected": len(truth.missing_metadata),
            "missing_metadata_match": missing == truth.missing_metadata,
            "urls_not_checked": sorted(truth.urls - checked)[:20], "urls_not_checked_count": len(truth.urls - checked),
        }
    finally:
        con.close()


def bench_one(n_pages: int, base: Path, timeout: float, server_kind: str = "fast") -> dict:
    folder = base / f"portal-{n_pages}"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("bench.db", "bench.db-wal", "bench.db-shm", "govwatch.lock"):
        (folder / stale).unlink(missing_ok=True)
    t0 = time.monotonic()
    truth = generate(folder / "site", n_pages)
    gen_s = time.monotonic() - t0
    (folder / "truth.json").write_text(json.dumps(truth.as_json(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"[{n_pages}] generated {truth.pages} pages ({truth.articles} articles, {truth.list_pages} list pages), "
          f"{len(truth.urls)} URLs, {len(truth.dead)} dead links in {gen_s:.1f} s -> {folder}", file=sys.stderr)
    max_list = max(c.list_pages for c in allocate(n_pages))
    server = Server(folder / "site", server_kind, folder / "server.log")
    try:
        sites = write_sites(folder, server.url, truth, max_list)
        print(f"[{n_pages}] serving {server.url}; running govwatch ...", file=sys.stderr, flush=True)
        run = run_govwatch(folder, sites, server, timeout)
    finally:
        server.stop()
    run["server"] = server.stats
    result = {"size": n_pages, "folder": str(folder), "server": server_kind, "generate_s": round(gen_s, 1),
              "truth": {k: v for k, v in truth.as_json().items()
                        if k not in ("dead_link_urls", "missing_metadata_urls")}, "run": run}
    if run["exit"] != 0:
        print(f"[{n_pages}] govwatch exited with {run['exit']}; see {folder / 'govwatch.log'}", file=sys.stderr)
    if (folder / "bench.db").exists():
        result["db"] = read_results(folder / "bench.db", truth)
        db, wall = result["db"], run["wall_s"]
        result["pages_per_s"] = round(db["pages"] / wall, 1)
        result["urls_per_s"] = round(db["urls_checked"] / wall, 1)
        if db["crawl_s"]:
            result["crawl_pages_per_s"] = round(db["pages"] / db["crawl_s"], 1)
    return result


def print_table(results: list[dict]) -> None:
    head = ("pages", "stored", "URLs checked", "wall s", "crawl s", "pages/s", "URLs/s", "CPU s", "server CPU s",
            "peak RSS MB", "dead found/expected", "metadata found/expected")
    rows = []
    for r in results:
        db, run = r.get("db", {}), r["run"]
        rows.append((
            f"{r['size']:,}", f"{db.get('pages', 0):,}", f"{db.get('urls_checked', 0):,}", f"{run['wall_s']:.1f}",
            f"{db.get('crawl_s') or 0:.1f}", f"{r.get('pages_per_s', 0):.1f}", f"{r.get('urls_per_s', 0):.1f}",
            f"{run.get('user_s', 0) + run.get('sys_s', 0):.1f}", f"{run['server_cpu_s']:.1f}",
            f"{run.get('peak_rss_mb', 0):.1f}",
            f"{db.get('dead_found', '-')}/{db.get('dead_expected', '-')}"
            + (" ok" if db.get("dead_match") else " MISMATCH"),
            f"{db.get('missing_metadata_found', '-')}/{db.get('missing_metadata_expected', '-')}"
            + (" ok" if db.get("missing_metadata_match") else " MISMATCH"),
        ))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
    for r in results:
        db, samples = r.get("db", {}), r["run"]["rss_samples"]
        if samples:
            marks = [samples[min(len(samples) - 1, int(len(samples) * q))] for q in (0.1, 0.25, 0.5, 0.75, 1.0)]
            print(f"{r['size']:,} pages, RSS over the run (s: MB): " + ", ".join(f"{t:.0f}: {mb:.0f}" for t, mb in marks))
        if srv := r["run"].get("server"):
            print(f"{r['size']:,} pages, server: {srv['requests']:,} requests over {srv['connections']:,} connections")
        if db:
            print(f"{r['size']:,} pages, violations: " + ", ".join(f"{k} {v}" for k, v in db["violations"].items()))
            if db["urls_not_checked_count"]:
                print(f"  {db['urls_not_checked_count']} URLs of the portal were never checked, e.g. "
                      f"{db['urls_not_checked'][:5]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, action="append", help="portal size in HTML pages (repeatable; "
                    "default: 2000 and 20000)")
    ap.add_argument("--out", type=Path, help="folder for the portals, databases and logs (kept)")
    ap.add_argument("--keep", action="store_true", help="keep the generated folder")
    ap.add_argument("--json", type=Path, help="write the results as JSON to this file")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed per govwatch run (default 3600)")
    ap.add_argument("--server", choices=sorted(SERVERS), default="fast",
                    help="fast: bench/static_server.py (default); demo: python -m govwatch.demo.server")
    ap.add_argument("--generate-only", action="store_true", help="write the portals and ground truth, do not crawl")
    args = ap.parse_args(argv)
    sizes = args.pages or [2000, 20000]
    base = args.out.resolve() if args.out else Path(tempfile.mkdtemp(prefix="govwatch-bench-"))
    results = []
    try:
        for n in sizes:
            if args.generate_only:
                truth = generate(base / f"portal-{n}" / "site", n)
                (base / f"portal-{n}" / "truth.json").write_text(
                    json.dumps(truth.as_json(), ensure_ascii=False, indent=1) + "\n", "utf-8")
                print(f"{n}: {base / f'portal-{n}'}")
                continue
            results.append(bench_one(n, base, args.timeout, args.server))
    finally:
        if not (args.keep or args.out or args.generate_only):
            shutil.rmtree(base, ignore_errors=True)
        elif results or args.generate_only:
            print(f"kept {base}", file=sys.stderr)
    if results:
        sys.stderr.flush()
        print_table(results)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"as_of": AS_OF.isoformat(), "machine": {"cpus": os.cpu_count()},
                                             "results": results}, ensure_ascii=False, indent=1) + "\n", "utf-8")
    ok = all(r["run"]["exit"] == 0 for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
