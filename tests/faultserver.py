"""A local fault-injection server: one path per way a link can fail, and the verdict it deserves.

Stateful cases (``flaky-*``, ``ratelimit``) fail on their first request and work afterwards, as
a real server's bad moment does; a checker that reports them dead is wrong.
"""

from __future__ import annotations

from httpserver import LocalServer, Request, Response, redirect

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ERROR_PAGE = "<html><head><title>提示信息</title></head><body><p>您访问的页面不存在或已被删除！</p></body></html>"
PAGE = "<html><head><title>{t}</title></head><body><h1>{t}</h1><p>{body}</p></body></html>"
LONG = "示例县政务公开工作稳步推进。" * 40

# path -> expected verdict (paths are on this server; REFUSED and EXTERNAL are added by the test)
EXPECTED = {
    "/ok.html": "ok",
    "/flaky-503.html": "ok",
    "/ratelimit.html": "ok",
    "/always-429.html": "rate-limited",
    "/slow.html": "timeout",
    "/reset.html": "error",
    "/flaky-reset.html": "ok",
    "/chain-1.html": "redirected",
    "/loop-a.html": "redirect-loop",
    "/soft404.html": "soft-404",
    "/gone-home.html": "soft-404",
    "/refresh-404.html": "soft-404",
    "/mentions-404.html": "ok",
    "/withdrawn.html": "soft-404",  # a phrase the sites file adds (crawl.soft_404_phrases)
    "/fake.pdf": "bad-attachment",
    "/empty.doc": "bad-attachment",
    "/text.xls": "bad-attachment",
    "/real.pdf": "ok",
    "/empty.css": "ok",  # an empty stylesheet is a legitimate file
    "/error-page.png": "bad-attachment",  # an image URL answered with an HTML page
    "/missing.pdf": "dead",
    "/gone.html": "dead",
    "/flaky-404.html": "ok",
    "/challenge.html": "blocked",
    "/waf.html": "blocked",
    "/always-500.html": "server-error",
}


def _page(title: str, body: str = LONG) -> Response:
    return Response(body=PAGE.format(t=title, body=body))


class FaultServer(LocalServer):
    """The fault cases as routes of the tests' local server (``hits`` and ``times`` by path)."""

    def __init__(self, slow_seconds: float = 3.0, tls=None) -> None:
        self.slow_seconds = slow_seconds
        self.extra_links: list[str] = []
        super().__init__(tls=tls, default=Response(404, "not found"))
        ok = _page("正常页面")
        for path, answer in {
            "/": self._home,
            "/ok.html": ok,
            "/ok2.html": ok,
            "/mentions-404.html": _page("正常页面", f"正文提到“页面不存在”这几个字。{LONG}"),
            "/flaky-503.html": lambda req: ok if req.n > 1 else Response(503, "busy"),
            "/flaky-reset.html": lambda req: ok if req.n > 1 else Response(reset=True),
            "/flaky-404.html": lambda req: ok if req.n > 1 else Response(404, "not found"),
            "/reset.html": Response(reset=True),  # close with RST and no response at all
            "/ratelimit.html": lambda req: Response(429, "slow down", headers={"Retry-After": "1"}) if req.n == 1
            else _page("限流后"),
            "/always-429.html": Response(429, "slow down", headers={"Retry-After": "3600"}),
            "/slow.html": lambda req: Response(body=PAGE.format(t="慢", body=LONG), delay=self.slow_seconds),
            "/chain-1.html": redirect("/chain-2.html", 301),
            "/chain-2.html": redirect("/ok2.html"),
            "/loop-a.html": redirect("/loop-b.html"),
            "/loop-b.html": redirect("/loop-a.html"),
            "/withdrawn.html": _page("该信息已撤稿"),
            "/soft404.html": ERROR_PAGE,
            "/gone-home.html": redirect("/"),
            "/refresh-404.html": '<html><head><meta http-equiv="refresh" content="0;url=/404.html"></head><body>请稍候</body></html>',
            "/404.html": ERROR_PAGE,
            "/fake.pdf": Response(body=ERROR_PAGE, content_type="application/pdf"),
            "/empty.doc": Response(content_type="application/msword"),
            "/text.xls": Response(body="file not found", content_type="application/vnd.ms-excel"),
            "/empty.css": Response(content_type="text/css"),
            "/error-page.png": ERROR_PAGE,
            "/real.pdf": Response(body=PDF, content_type="application/pdf"),
            "/gone.html": Response(410, "gone"),
            # a cookie challenge that keeps failing: it sets its cookie and reloads once, and the
            # server still refuses (a WAF that never clears)
            "/challenge.html": Response(412, "<html><script>document.cookie='__jsl_clearance=1';"
                                             "if(!sessionStorage.tried){sessionStorage.tried=1;location.reload()}</script></html>"),
            "/waf.html": Response(403, "<html><title>访问被拦截</title></html>"),
            "/always-500.html": Response(500, "error"),
            # a site that answers every missing URL with a 200 page in its own template
            "/soft-site/*": _page("示例站点", "欢迎访问示例站点。" * 80),
            "/soft-site/": Response(body='<html><head><title>软站首页</title></head><body><a href="/soft-site/ok.html">正常</a> '
                                         '<a href="/soft-site/nope.html">已删除</a> <a href="/ok.html">共用</a></body></html>'),
            "/soft-site/ok.html": _page("软站正常页"),
        }.items():
            self.route(path, answer)

    def _home(self, request: Request) -> str:
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in [*EXPECTED, *self.extra_links])
        return f"<html><head><title>故障测试站</title></head><body><ul>{links}</ul></body></html>"
