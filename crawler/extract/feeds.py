"""Posts of a government new-media account (政务新媒体), read from what monitors can fetch:
RSS 2.0 / Atom (RSSHub, WeWe RSS, wechat2rss), JSON Feed 1.x, Weibo's
m.weibo.cn/api/container/getIndex answer, and a single WeChat article page.
Pure functions: bytes in, posts out — fetching is someone else's job."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import feedparser

from crawler.extract.links import anchor_text, normalize_url
from crawler.extract.page import parse_html, visible_text
from crawler.extract.text import NOT_TEXT, text_parts

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEIBO_BASE = "https://m.weibo.cn/"  # Weibo text links are relative to the mobile site, whoever fetched them


class FeedError(ValueError):
    """The body is not an account's posts: an error page, a login wall, a deleted article."""


@dataclass(frozen=True)
class Post:
    url: str
    title: str
    published: datetime | None  # timezone-aware; None when the source gives no time
    text: str
    links: tuple[tuple[str, str], ...]  # (absolute url, anchor text) inside the post body
    pinned: bool = False  # a pinned (置顶) post is old news on top: it says nothing about freshness


@dataclass(frozen=True)
class Account:
    name: str | None
    posts: tuple[Post, ...]


# ---- HTML bodies -------------------------------------------------------------------------

_BLOCKS = frozenset("br p div section li tr blockquote h1 h2 h3 h4 h5 h6".split())
_HIDDEN = NOT_TEXT


def _body(root, base: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Visible text (one line per block) and distinct body links of an element."""
    links: list[tuple[str, str]] = []
    for a in root.iter("a"):
        url = normalize_url(a.get("href"), base)  # drops javascript:, mailto:, #…
        if url and (link := (url, anchor_text(a))) not in links:
            links.append(link)
    parts = text_parts(root, hidden=_HIDDEN, end=lambda el: "\n" if el.tag in _BLOCKS else "")
    # source whitespace is a space, as a browser shows it; only block ends break lines
    text = "".join(p if p == "\n" else re.sub(r"\s+", " ", p) for p in parts)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip()), tuple(links)


def _fragment(markup: str, base: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return _body(parse_html(f"<html><body>{markup}</body></html>").find("body"), base)


def _beijing(when: datetime) -> datetime:
    """Aware, in Beijing time; a zoneless time from a Chinese source means Beijing time."""
    return when.replace(tzinfo=SHANGHAI) if when.tzinfo is None else when.astimezone(SHANGHAI)


def _title_from(text: str) -> str:
    """Weibo posts have no title: the first line stands in, as RSSHub does."""
    return text.split("\n", 1)[0][:60]


# ---- parse_feed --------------------------------------------------------------------------


def parse_feed(body: bytes, url: str, now: datetime) -> Account:
    """Posts of an RSS 2.0, Atom, JSON Feed or Weibo getIndex body fetched from `url`.
    `now` (the fetch time) resolves Weibo's relative dates (刚刚, 5分钟前, 昨天 09:30, 06-27)."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FeedError("empty body")
    if stripped[:1] in (b"{", b"["):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise FeedError(f"invalid JSON: {exc}") from None
        if isinstance(data, dict) and str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
            return _json_feed(data, url)
        if isinstance(data, dict) and ("ok" in data or "cards" in (data.get("data") or {})):
            return _weibo(data, now)
        keys = ", ".join(list(data)[:8]) if isinstance(data, dict) else type(data).__name__
        raise FeedError(f"JSON is neither a JSON Feed nor a Weibo getIndex answer (keys: {keys})")
    # content-location resolves relative entry links against the feed; body links are resolved
    # by _fragment, because feedparser would turn "#top" into a link to the feed itself
    parsed = feedparser.parse(stripped, response_headers={"content-location": url}, resolve_relative_uris=False)
    if not parsed.version:
        title = parse_html(body).findtext(".//title")
        seen = f"an HTML page titled {' '.join(title.split())!r}" if title and title.strip() else "not RSS/Atom"
        raise FeedError(f"not a feed (RSS, Atom, JSON Feed or Weibo JSON): {seen}")
    posts = []
    for entry in parsed.entries:
        content = entry.get("content") or [{}]
        text, links = _fragment(content[0].get("value") or entry.get("summary") or "", url)
        post_url = normalize_url(entry.get("link") or entry.get("id") or "", url) or ""
        posts.append(Post(post_url, _fragment(entry.get("title") or "", url)[0], _entry_time(entry), text, links))
    return Account((parsed.feed.get("title") or "").strip() or None, tuple(posts))


_CST = re.compile(r"\bCST\s*$")
_US_CENTRAL_HOURS = -6  # what feedparser takes CST for
_HAS_ZONE = re.compile(r"(?:[zZ]|[+-]\d\d:?\d\d|\b(?:GMT|UTC|UT|[ECMP][SD]T))\s*$")


def _entry_time(entry) -> datetime | None:
    for key in ("published", "updated"):
        if parsed := entry.get(f"{key}_parsed"):
            when = datetime(*parsed[:6], tzinfo=timezone.utc)
            written = entry.get(key) or ""
            if _CST.search(written):
                # feedparser reads CST as US Central (UTC-6); on a Chinese government feed it is
                # China Standard Time: back to the written wall clock, then as Beijing time
                when += timedelta(hours=_US_CENTRAL_HOURS) - timedelta(hours=8)
            elif not _HAS_ZONE.search(written):
                # feedparser reads a zoneless date as UTC; a Chinese feed means Beijing time
                when -= timedelta(hours=8)
            return when.astimezone(SHANGHAI)
    return None


def _json_feed(data: dict, url: str) -> Account:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1). feedparser 6.0.x cannot read it."""
    posts = []
    for item in data.get("items") or []:
        if item.get("content_html"):
            text, links = _fragment(item["content_html"], url)
        else:
            text, links = (item.get("content_text") or item.get("summary") or "").strip(), ()
        try:
            published = _beijing(datetime.fromisoformat(item.get("date_published") or item.get("date_modified")))
        except (TypeError, ValueError):
            published = None  # a missing or malformed date is no date, not a broken feed
        post_url = normalize_url(item.get("url") or item.get("external_url") or "", url) or ""
        posts.append(Post(post_url, (item.get("title") or "").strip(), published, text, links))
    return Account((data.get("title") or "").strip() or None, tuple(posts))


# ---- Weibo -------------------------------------------------------------------------------


def _weibo(data: dict, now: datetime) -> Account:
    if data.get("ok") != 1:
        login = data.get("ok") == -100 or "passport.weibo" in str(data.get("url", ""))
        msg = data.get("msg") or data.get("message") or ""
        raise FeedError(
            f"Weibo answered ok={data.get('ok')}" + (f": {msg}" if msg else "")
            + ("; login required" if login else "; login may be required (部分博主仅登录可见)")
        )
    cards = (data.get("data") or {}).get("cards")
    if not isinstance(cards, list):
        raise FeedError("Weibo answer has no data.cards")
    user = ((data.get("data") or {}).get("userInfo") or {}).get("screen_name")
    posts = []
    for card in cards:
        mblog = card.get("mblog")
        if not mblog:
            continue  # user cards, notices, "follow" suggestions
        user = user or (mblog.get("user") or {}).get("screen_name")
        text, links = _fragment(mblog.get("text") or "", WEIBO_BASE)
        pinned = (
            mblog.get("isTop") == 1
            or "置顶" in ((mblog.get("title") or {}).get("text") or "")
            or str(card.get("profile_type_id", "")).startswith("proweibotop")
        )
        url = f"https://m.weibo.cn/status/{mblog.get('bid') or mblog.get('id')}"
        posts.append(Post(url, _title_from(text), weibo_time(mblog.get("created_at") or "", now), text, links, pinned))
    return Account(user, tuple(posts))


_AGO = re.compile(r"^(\d+)\s*(秒|分钟|小时)前$")
_DAY_TIME = re.compile(r"^(今天|昨天)\s*(\d{1,2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$")


def weibo_time(value: str, now: datetime) -> datetime | None:
    """A Weibo created_at as an aware datetime. List cards give 刚刚 / N分钟前 / N小时前 /
    昨天 hh:mm / MM-DD (this year) / YYYY-MM-DD; single posts 'Sun Apr 22 09:08:06 +0800 2018'."""
    value = value.strip()
    now = _beijing(now)
    if value == "刚刚":
        return now
    if m := _AGO.match(value):
        unit = {"秒": "seconds", "分钟": "minutes", "小时": "hours"}[m.group(2)]
        return now - timedelta(**{unit: int(m.group(1))})
    if m := _DAY_TIME.match(value):
        day = now.date() - timedelta(days=1 if m.group(1) == "昨天" else 0)
        return datetime(day.year, day.month, day.day, int(m.group(2)), int(m.group(3)), tzinfo=SHANGHAI)
    if m := _MONTH_DAY.match(value):
        year = int(m.group(1) or now.year)
        when = datetime(year, int(m.group(2)), int(m.group(3)), tzinfo=SHANGHAI)
        if not m.group(1) and when.date() > now.date():
            when = when.replace(year=year - 1)  # "12-30" seen in November is last December
        return when
    try:
        return _beijing(datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y"))
    except ValueError:
        return None


# ---- WeChat article page -----------------------------------------------------------------

# What mp.weixin.qq.com shows instead of an article; the text says why.
_WECHAT_GONE = (
    "该内容已被发布者删除",
    "此内容因违规无法查看",
    "此内容被投诉且经审核涉嫌侵权，无法查看",
    "此内容发送失败无法查看",
    "此帐号已被屏蔽",
    "此帐号已自主注销",
    "该公众号已迁移",
    "环境异常",  # the captcha wall: not gone, just not readable now
)


def _script_var(source: str, name: str) -> str | None:
    """`var name = "…"` (also '…', htmlDecode("…")), entity-decoded as WeChat writes them."""
    m = re.search(rf"""\bvar\s+{name}\s*=\s*(?:htmlDecode\()?(["'])(.*?)\1""", source)
    return html.unescape(m.group(2)).strip() if m else None


def parse_wechat_article(body: bytes, url: str) -> Account:
    """One mp.weixin.qq.com article as the account (var nickname) with its single post."""
    doc = parse_html(body)
    content = doc.find('.//*[@id="js_content"]')
    if content is None:
        text = visible_text(doc)
        reason = next((marker for marker in _WECHAT_GONE if marker in text), None)
        if reason:
            raise FeedError(f"WeChat article unavailable: {reason}")
        raise FeedError("not a WeChat article page (no #js_content)")
    scripts = "\n".join(s.text or "" for s in doc.iter("script"))
    title = _script_var(scripts, "msg_title")
    if not title:
        og = doc.find('.//meta[@property="og:title"]')
        heading = doc.find('.//*[@id="activity-name"]')
        title = (og.get("content") if og is not None else None) or (
            " ".join(heading.text_content().split()) if heading is not None else "")
    ct = _script_var(scripts, "ct") or _script_var(scripts, "create_time")
    published = datetime.fromtimestamp(int(ct), SHANGHAI) if ct and ct.isdigit() else None
    name_el = doc.find('.//*[@id="js_name"]')
    nickname = _script_var(scripts, "nickname") or (
        " ".join(name_el.text_content().split()) if name_el is not None else None)
    text, links = _body(content, url)
    post_url = normalize_url(url, url) or url
    return Account(nickname or None, (Post(post_url, title.strip(), published, text, links),))
