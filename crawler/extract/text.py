"""One walker for an element's text in document order, shared by every extractor.

Each text node comes where a reader sees it: an element's own text, then its children's (each
followed by the child's tail), then what the element's end adds (a line break after a block, a
space after an inline element: each caller says). ``lxml``'s ``iter()`` with ``.text`` and
``.tail`` gives a different order (an element's tail before its children's text), which is why
this exists.
"""

from __future__ import annotations

from typing import Callable, Container

from lxml import etree

# Never text a reader sees.
NOT_TEXT = frozenset({"script", "style", "noscript", "template"})


def text_parts(
    root,
    *,
    hidden: Container[str] = NOT_TEXT,
    end: Callable[[object], str] | None = None,
    skip=None,
) -> list[str]:
    """The text nodes under ``root`` in document order, with ``end(element)`` after each element.

    ``hidden`` elements (and ``skip``, one element such as a title link) give no text; their
    tails are still read. Comments and processing instructions give only their tails.
    """
    parts: list[str] = []
    depth = 0  # how many hidden elements the walk is inside
    for event, el in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event in ("comment", "pi"):  # one event each, no start/end: only the tail is text
            if not depth and el.tail:
                parts.append(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""  # an entity node, say
        is_hidden = tag in hidden or (skip is not None and el is skip)
        if event == "start":
            if is_hidden:
                depth += 1
            elif not depth and el.text:
                parts.append(el.text)
            continue
        if is_hidden:
            depth -= 1
        if depth:
            continue
        if end is not None and tag:
            parts.append(end(el))
        if el.tail and el is not root:  # the root's tail is outside it
            parts.append(el.tail)
    return parts


def walk_text(root, **options) -> str:
    """``text_parts`` joined."""
    return "".join(text_parts(root, **options))
