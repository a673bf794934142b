"""A government site's identity as its pages show it: the standard <meta> tags (网页标签 of the
政府网站发展指引's 网页设计规范) and, on the home page, the footer identifiers."""

from __future__ import annotations

import re
from typing import Any, Iterable
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.extract.page import parse_html
from crawler.extract.text import walk_text

# The 网页标签 groups: 站点类 on every page, 栏目类 on list pages, 内容类 on article pages.
SITE_TAGS = ("SiteName", "SiteDomain", "SiteIDCode")
COLUMN_TAGS = ("ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType")
ARTICLE_TAGS = ("ArticleTitle", "PubDate", "ContentSource", "Keywords", "Author", "Description", "Image", "Url")
GOV_TAGS = SITE_TAGS + COLUMN_TAGS + ARTICLE_TAGS
_CANONICAL = {t.lower(): t for t in GOV_TAGS}


def gov_meta(meta: dict[str, str]) -> dict[str, str]:
    """The standard tags among a page's <meta> name/content pairs, under their canonical
    spelling (CMSs write ``sitename`` and ``SiteName`` alike); empty values are kept, since
    a tag present but empty is its own finding."""
    out: dict[str, str] = {}
    for name, content in meta.items():
        canonical = _CANONICAL.get(name.strip().lower())
        if canonical and canonical not in out:
            out[canonical] = content
    return out


# ---------------------------------------------------------------- the home page's footer

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SP = "[ \t\u00a0\u3000]"  # spaces inside a line (a footer's values never span lines)
# 网站标识码 under its usual labels; the value is what follows: "bm" + digits, or digit
# groups (a code written with spaces, "3609 000001", is still the code)
_CODE = re.compile(
    rf"(?P<label>(?:政府)?网站(?:标识|识别)码|标识码)\s*[:：]?\s*"
    rf"(?P<value>(?:[bB][mM]{_SP}*)?\d+(?:{_SP}\d+)*)?"
)
_ICP = re.compile(rf"(?:[{_PROVINCES}]{_SP}*)?ICP{_SP}*备{_SP}*\d+(?:{_SP}*号)?(?:{_SP}*[-－]{_SP}*\d+)?")
_POLICE = re.compile(rf"(?:[{_PROVINCES}]{_SP}*)?公网安备{_SP}*[:：]?{_SP}*\d+(?:{_SP}*号)?")
_SPONSOR = re.compile(r"主办(?:单位|机关|方)?\s*[:：]\s*(?P<value>[^\s|｜/，,;；]+)|主办(?:单位|机关)\s+(?P<bare>[^\s|｜/，,;；:：]+)")
# the 党政机关网站标识 is served by 中央编办's sites: bszs.conac.cn (the certificate page),
# dcs.conac.cn (the script and its images), wzsh.scopsr.gov.cn (网站标识管理)
_BADGE_URL = re.compile(r"conac\.(?:cn|gov\.cn)|scopsr\.gov\.cn", re.I)
_BADGE_TEXT = re.compile(r"党政机关")
# the 我为政府网站找错 platform: zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=... (and its
# script jiucuo.js), formerly pucha.kaipuyun.cn; gov.cn's own page is jiucuopage.html
_JIUCUO_URL = re.compile(r"jiucuo|zfwzgl\.www\.gov\.cn|/exposure/", re.I)
_JIUCUO_PLATFORM = re.compile(r"zfwzgl\.www\.gov\.cn|kaipuyun\.cn|/exposure/jiucuo|www\.gov\.cn/.*jiucuo", re.I)
_JIUCUO_TEXT = re.compile(r"政府网站找错")
_ONCLICK_CODE = re.compile(r"""\(\s*['"]\s*([A-Za-z]{0,2}\d{6,})\s*['"]""")
_WRITES = re.compile(r"document\s*\.\s*write(?:ln)?\s*\(|\.innerHTML\s*\+?=")
_JS_STRING = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'""")
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")
_ATTRS = ("href", "src", "data-src", "action")


def site_identity(doc, url: str, scripts: Iterable[str] = ()) -> dict[str, Any]:
    """What the home page shows of the site's identity, as the page says it.

    ``doc`` is the parsed home page (or its raw HTML). Footers are searched in the visible
    text and in what inline scripts write (``document.write``, ``innerHTML``): many CMSs
    write the whole footer, or the badge, from a script. A tree whose script bodies were
    emptied (``page.analyse`` does so) still yields the script attributes (the 找错 script's
    ``sitecode``, the badge script's URL) but not the written text. Nothing here judges
    formats: the values are kept as found, for the check to judge. ``scripts`` are the bodies
    of external scripts that write the footer (``footer_scripts``), read like inline ones."""
    if isinstance(doc, (bytes, str)):
        doc = parse_html(doc)
    written = [f for f in (_fragment(h) for h in _written_html(doc, scripts)) if f is not None]
    roots = [doc, *written]
    text = "\n".join(_text(root) for root in roots)

    code_label, code_raw, code = _site_code(text)
    jiucuo = _jiucuo(roots, text, url)
    source = "label" if code else None
    if not code and jiucuo["site_code"]:
        code, source = jiucuo["site_code"], "jiucuo"
    police_link, police_link_code = _police_link(roots, url)
    return {
        "url": url,
        "site_code": code,
        "site_code_raw": code_raw,
        "site_code_label": code_label,
        "site_code_source": source,
        "icp": _last(_ICP, text),
        "police": _last(_POLICE, text),
        "police_link": police_link,
        "police_link_code": police_link_code,
        "badge": _badge(roots, url),
        "jiucuo": jiucuo,
        "sponsor": _sponsor(text),
        "meta": gov_meta(_metas(doc)),
    }


def _metas(doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in doc.iter("meta"):
        name = (el.get("name") or "").strip()
        if name and el.get("content") is not None:
            out.setdefault(name, el.get("content").strip())
    return out


def _last(pattern: re.Pattern, text: str) -> str | None:
    """The last occurrence: the footer comes after any news item that might mention one."""
    found = [" ".join(m.group(0).split()) for m in pattern.finditer(text)]
    return found[-1] if found else None


def _site_code(text: str) -> tuple[str | None, str | None, str | None]:
    """(label, value as written, value without spaces); a label with nothing after it gives
    an empty raw value, so "labelled but empty" is told apart from "no label"."""
    best: tuple[str | None, str | None, str | None] = (None, None, None)
    for m in _CODE.finditer(text):
        raw = (m.group("value") or "").strip()
        code = re.sub(r"\s", "", raw)
        # "3609000001 36092202000123号": the groups after a complete code belong to another item
        first = re.sub(r"\s", "", re.split(rf"{_SP}(?=\d)", raw, maxsplit=1)[0]) if raw else ""
        if len(code) > 10 and re.fullmatch(r"(?i:bm)?\d+", first) and len(first) == 10:
            raw = code = first
        if code or best[0] is None:
            best = (m.group("label"), raw, code or None)
    return best


def _sponsor(text: str) -> str | None:
    found = [m.group("value") or m.group("bare") for m in _SPONSOR.finditer(text)]
    return found[-1] if found else None


def _query(url: str) -> dict[str, list[str]]:
    try:
        return parse_qs(urlsplit(url).query)
    except ValueError:  # http://[broken: crawled markup is hostile
        return {}


def _query_code(url: str) -> str | None:
    query = _query(url)
    for key in ("site_code", "sitecode", "siteCode", "webcode", "code"):
        if query.get(key) and query[key][0].strip():
            return query[key][0].strip()
    return None


def _absolute(href: str | None, base: str) -> str | None:
    href = (href or "").strip()
    if not href or href.lower().startswith(("javascript:", "#")):
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def _labels(el) -> str:
    return " ".join(el.get(a) or "" for a in ("alt", "title", "aria-label", "id", "class"))


def _badge(roots, base: str) -> dict[str, Any]:
    elements = [el for root in roots for el in root.iter() if isinstance(el.tag, str)]
    # a link or script to 中央编办's badge service says most; an image labelled 党政机关 or
    # inside the badge's span is the badge too (saved or mirrored copies lose the URL)
    for el in elements:
        for attr in _ATTRS:
            if (value := el.get(attr)) and _BADGE_URL.search(value):
                return {"found": True, "src": _absolute(value, base), "how": "script" if el.tag == "script" else "link"}
    placeholder = False
    for el in elements:
        if el.tag == "img" and _BADGE_TEXT.search(_labels(el)):
            return {"found": True, "src": _absolute(el.get("src"), base), "how": "image"}
        if (el.get("id") or "") == "_ideConac":
            img = next(el.iter("img"), None)
            if img is not None:
                return {"found": True, "src": _absolute(img.get("src"), base), "how": "image"}
            placeholder = True  # the badge script's empty target, with no script to fill it
    return {"found": False, "src": None, "how": "placeholder" if placeholder else None}


def _jiucuo(roots, text: str, base: str) -> dict[str, Any]:
    """The 我为政府网站找错 entry: the platform's script (``<script id="_jiucuo_"
    sitecode=...>``), a link or image to the platform, or the words on the page."""
    candidates: list[dict[str, Any]] = []
    for root in roots:
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            urls = [v for a in _ATTRS if (v := el.get(a))]
            labels = _labels(el) + " " + (el.get("onclick") or "")
            anchor = el.text_content() if el.tag == "a" else ""
            hit_url = next((u for u in urls if _JIUCUO_URL.search(u)), None)
            is_script = (el.get("id") or "") == "_jiucuo_" or el.get("sitecode") is not None
            parent = el.getparent()
            in_span = parent is not None and "jiucuo" in (parent.get("id") or "").lower()
            if not (hit_url or is_script or in_span or _JIUCUO_TEXT.search(labels + anchor)
                    or (el.get("onclick") and "jiucuo" in labels.lower())):
                continue
            code = (el.get("sitecode") or "").strip() or (hit_url and _query_code(hit_url)) or None
            if not code and (m := _ONCLICK_CODE.search(el.get("onclick") or "")):
                code = m.group(1)
            href = _absolute(hit_url or (el.get("href") if el.tag == "a" else None), base)
            how = {"script": "script", "img": "image"}.get(el.tag, "link")
            candidates.append({"found": True, "href": href, "site_code": code, "how": how,
                               "platform": bool(is_script or (href and _JIUCUO_PLATFORM.search(href)))})
    if candidates:
        # the most telling one: with a code, then on the platform, then any
        best = max(candidates, key=lambda c: (bool(c["site_code"]), c["platform"], bool(c["href"])))
        if not best["site_code"]:
            best = {**best, "site_code": next((c["site_code"] for c in candidates if c["site_code"]), None)}
        return best
    if _JIUCUO_TEXT.search(text):
        return {"found": True, "href": None, "site_code": None, "how": "text", "platform": False}
    return {"found": False, "href": None, "site_code": None, "how": None, "platform": False}


def _police_link(roots, base: str) -> tuple[str | None, str | None]:
    for root in roots:
        for el in root.iter("a"):
            href = el.get("href") or ""
            if "beian.gov.cn" in href.lower():
                code = _query(href).get("recordcode", [None])[0]
                return _absolute(href, base), (code.strip() if code else None)
    return None, None


def _written_html(doc, scripts: Iterable[str] = ()) -> list[str]:
    """The HTML scripts write — the page's inline scripts and the bodies of external ones
    (``scripts``: footer.js fetched by the spider): their string literals joined, JS escapes
    and ``unescape("%3C...")`` undone. Cheap, and enough for footers and badges written whole."""
    out = []
    for body in [*(script.text or "" for script in doc.iter("script")), *scripts]:
        if not body or not _WRITES.search(body):
            continue
        joined = "".join(a or b for a, b in _JS_STRING.findall(body))
        joined = _JS_ESCAPE.sub(_js_char, joined)
        if "%3C" in joined.upper() or "unescape(" in body:
            joined = unquote(joined)
        if "<" in joined or any(w in joined for w in ("ICP", "公网安备", "标识码", "主办")):
            out.append(joined)
    return out


_FOOTER_SCRIPT = re.compile(r"foot|bottom|copyright|banquan|dibu|tail|wzdb|bqxx", re.I)
_FOOTER_SCRIPTS = 3  # at most this many fetched per home page


def footer_scripts(doc, url: str) -> list[str]:
    """The site's own external scripts that look like they write the footer
    (``<script src="/js/footer.js">``): the spider fetches them when the footer's facts are
    missing from the page itself."""
    host = urlsplit(url).hostname
    out: list[str] = []
    for script in doc.iter("script"):
        src = _absolute(script.get("src"), url)
        if src and urlsplit(src).hostname == host and _FOOTER_SCRIPT.search(urlsplit(src).path.rsplit("/", 1)[-1]):
            if src not in out:
                out.append(src)
    return out[:_FOOTER_SCRIPTS]


def footer_missing(identity: dict[str, Any]) -> bool:
    """None of the footer's facts was found (the footer is written by an external script)."""
    return not (identity.get("site_code") or identity.get("icp") or identity.get("police") or identity.get("sponsor"))


def _js_char(m: re.Match) -> str:
    s = m.group(1)
    if s[0] in "ux" and len(s) > 1:
        return chr(int(s[1:], 16))
    return {"n": "\n", "t": "\t", "r": ""}.get(s, s)


def _fragment(html: str):
    try:
        return lxml_html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return None


_HIDDEN = {"script", "style", "noscript", "template", "head", "title"}
_INLINE = {"a", "span", "font", "b", "strong", "em", "i", "u", "label", "img", "small", "big", "sup", "sub", "abbr"}


def _text(root) -> str:
    """The page's text with a break after every element: minified footers run their items
    together (``<p>主办：X</p><p>承办：Y</p>``), and a value must end where its element ends."""
    return walk_text(root, hidden=_HIDDEN, end=lambda el: " " if el.tag in _INLINE else "\n")
