"""Whether a reader sees an element, judged from its inline style, class and attributes.

Used twice: a metadata block hidden from readers is not the page's metadata, and a link hidden
from readers on a government page is the mark of an injected 暗链. Only what the markup itself
says is judged (stylesheets are not fetched): inline styles, the ``hidden`` attribute, the
framework classes that mean hidden (ng-hide, hidden, d-none, sr-only is NOT hidden: screen
readers read it), and the two colours of a text and its background when both are inline.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.extract.links import normalize_url

_STYLE_RULES = (
    (re.compile(r"display\s*:\s*none", re.I), "display:none"),
    (re.compile(r"visibility\s*:\s*hidden", re.I), "visibility:hidden"),
    # off-screen: left/top/text-indent of -1000px or more (px, em, %)
    (re.compile(r"(?:^|[;\s])(?:left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\s*\d{3,}", re.I),
     "off-screen"),
    (re.compile(r"font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:;|$|!)", re.I), "font-size:0"),
    (re.compile(r"(?:^|[;\s])(?:height|width|max-height)\s*:\s*[01](?:px)?\s*(?:;|$|!)", re.I), "zero size"),
    (re.compile(r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)", re.I), "opacity:0"),
)
_HIDDEN_CLASSES = frozenset({"ng-hide", "hidden", "hide", "d-none", "is-hidden", "invisible"})
_COLOR = re.compile(r"(?:^|[;\s])color\s*:\s*([#\w]+)", re.I)
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*([#\w]+)", re.I)
_SHORT_HEX = re.compile(r"^#([0-9a-f])([0-9a-f])([0-9a-f])$", re.I)


def _colour(value: str) -> str:
    value = value.lower()
    if m := _SHORT_HEX.match(value):
        return "#" + "".join(c * 2 for c in m.groups())
    return {"white": "#ffffff", "black": "#000000", "#fff": "#ffffff"}.get(value, value)


def hidden_how(el) -> str | None:
    """How ``el`` itself is hidden from readers (None: not by its own markup)."""
    get = getattr(el, "get", None)
    if get is None:
        return None
    if get("hidden") is not None:
        return "hidden attribute"
    classes = set((get("class") or "").lower().split())
    if classes & _HIDDEN_CLASSES:
        return "class " + " ".join(sorted(classes & _HIDDEN_CLASSES))
    style = get("style") or ""
    if style:
        for pattern, how in _STYLE_RULES:
            if pattern.search(style):
                return how
        colour, background = _COLOR.search(style), _BACKGROUND.search(style)
        if colour and background and _colour(colour.group(1)) == _colour(background.group(1)):
            return "text coloured like its background"
    if el.tag == "iframe":
        w, h = get("width") or "", get("height") or ""
        if (w.isdigit() and int(w) <= 2) or (h.isdigit() and int(h) <= 2):
            return "tiny iframe"
    return None


def hidden_by(el) -> tuple[object, str] | None:
    """(the element that hides it, how) for ``el`` or its nearest hiding ancestor."""
    node = el
    while node is not None:
        if (how := hidden_how(node)) is not None:
            return node, how
        node = node.getparent()
    return None


_LIMIT = 50  # hidden links kept per page: evidence, not an inventory


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def hidden_outbound_links(doc, url: str) -> list[dict[str, str]]:
    """The links to other hosts that the page hides from its readers: {target, anchor, how,
    where}. Links to the page's own host are left out (hidden sub-menus are ordinary)."""
    own = _host(url)
    out: list[dict[str, str]] = []
    # the hiding elements first (few on any page), then only the links inside them
    candidates: dict = {}
    for hider in doc.xpath("//*[@style or @class or @hidden or self::iframe]"):
        if hidden_how(hider) is not None:
            for el in hider.iter("a", "iframe"):
                candidates.setdefault(el, None)
    for el in candidates:
        target = normalize_url(el.get("href") if el.tag == "a" else el.get("src"), url)
        if not target or _host(target) in ("", own):
            continue
        found = hidden_by(el)
        if found is None:
            continue
        hider, how = found
        where = hider.tag + (f"#{hider.get('id')}" if hider.get("id") else "")
        out.append({"target": target, "anchor": " ".join(el.text_content().split())[:80], "how": how, "where": where})
        if len(out) >= _LIMIT:
            break
    return out
