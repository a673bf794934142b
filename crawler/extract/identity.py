"""A government site's identity as its pages show it: the standard <meta> tags (网页标签 of the
政府网站发展指引's 网页设计规范) and, on the home page, the footer identifiers."""

from __future__ import annotations

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
