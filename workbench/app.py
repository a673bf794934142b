"""The workbench's pages (Starlette, server-rendered with Jinja2; no page but the login page
without a session). Routes only: what they read is in queries, what they change in
answering, recheck and people, the login rules in auth."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from govwatch.config import Config
from govwatch.store import answers
from govwatch.store import models as m
from govwatch.store.db import Store
from workbench import auth, exports, people, queries, recheck
from workbench.answering import give, take_back

HERE = Path(__file__).parent
FORMATS = ("pdf", "html", "xlsx", "json", "csv")
_WEEK = re.compile(r"^\d{4}-W\d{2}$")
# no script of anyone's but our own file, nothing framed, forms post only here, no referrer
# leaks the workbench's URLs to the sites a problem links to
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (pure ASGI: streaming responses pass through)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                         if k.lower().encode() not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _href(url: Any) -> str | None:
    """A crawled URL as a link target only when it is http(s): never javascript: or data:."""
    return url if isinstance(url, str) and urlsplit(url).scheme in ("http", "https") else None


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["href"] = _href
    env.globals.update(qs=lambda d: urlencode(d), STATUS_LABELS=queries.STATUS_LABELS,
                       SEVERITY_LABELS=queries.SEVERITY_LABELS, ANSWER_LABELS=answers.LABELS,
                       ROLE_LABELS=people.ROLE_LABELS)
    return env


def create_app(config: Config, store: Store | None = None, *, session_seconds: int = 8 * 3600,
               session_absolute: int = 24 * 3600, secure_cookies: bool = False,
               limiter: auth.LoginLimiter | None = None, secret: str | None = None) -> Starlette:
    """The workbench for one sites file. Sessions end after ``session_seconds`` idle, and
    ``session_absolute`` after login in any case."""
    store = store or Store(config.database)
    env = _templates()
    limiter = limiter or auth.LoginLimiter()

    def render(request: Request, name: str, who: auth.Person | None, status_code: int = 200, **ctx) -> HTMLResponse:
        ctx.update(request=request, who=who, csrf=auth.csrf_token(request), config=config,
                   flash=request.session.pop("flash", None))
        return HTMLResponse(env.get_template(name).render(**ctx), status_code=status_code)

    def flash(request: Request, text: str) -> None:
        request.session["flash"] = text

    def whoami(request: Request) -> auth.Person | None:
        login_at = request.session.get("at")
        if login_at is not None and time.time() - login_at > session_absolute:
            request.session.clear()
            return None
        with store.session() as s:
            return auth.person(request, s)

    def page(roles: tuple[str, ...] = ("admin", "office", "department")):
        """A route for logged-in users of ``roles``; POSTs must carry the session's CSRF token."""

        def wrap(handler):
            async def endpoint(request: Request) -> Response:
                who = whoami(request)
                if who is None:
                    if request.method != "GET":
                        return HTMLResponse("会话已过期，请重新登录。", status_code=401)
                    return RedirectResponse("/login?" + urlencode({"next": _local(request.url.path)}), 303)
                if request.method == "POST":
                    form = await request.form()
                    if not auth.csrf_ok(request, form.get(auth.CSRF_FIELD)):
                        return render(request, "error.html", who, 403, message="表单已失效（CSRF 校验失败），请返回重试。")
                    request.state.form = form
                if who.role not in roles:
                    return render(request, "error.html", who, 403, message="没有权限访问此页面。")
                return await handler(request, who)
            return endpoint
        return wrap

    # -- login -----------------------------------------------------------------------------

    async def login(request: Request) -> Response:
        nxt = _local(request.query_params.get("next", "/"))
        if request.method == "GET":
            return render(request, "login.html", None, next=nxt, error=None)
        form = await request.form()
        if not auth.csrf_ok(request, form.get(auth.CSRF_FIELD)):
            return render(request, "login.html", None, 403, next=nxt, error="表单已失效，请重试。")
        name, password = str(form.get("name", ""))[:100], str(form.get("password", ""))[:1000]
        client = request.client.host if request.client else "?"
        keys = (client, name)
        if limiter.blocked(*keys):
            with store.session() as s, s.begin():
                answers.audit(s, name, "login-blocked", client)
            return render(request, "login.html", None, 429, next=nxt, error="登录失败次数过多，请15分钟后再试。")
        with store.session() as s, s.begin():
            user = await run_in_threadpool(people.authenticate, s, name, password)
            answers.audit(s, name, "login" if user else "login-failed", client)
        if user is None:
            limiter.failed(*keys)
            return render(request, "login.html", None, 401, next=nxt, error="用户名或密码不正确。")
        limiter.succeeded(*keys)
        auth.log_in(request, user)
        request.session["at"] = time.time()
        return RedirectResponse(nxt, 303)

    @page()
    async def logout(request: Request, who: auth.Person) -> Response:
        request.session.clear()
        return RedirectResponse("/login", 303)

    # -- this week ---------------------------------------------------------------------------

    @page()
    async def week(request: Request, who: auth.Person) -> Response:
        today = config.today()
        with store.session() as s:
            owners = queries.owners_now(s, config)
            sites = queries.this_week(s, config, who, owners, today)
            return render(request, "week.html", who, sites=sites, today=today)

    # -- reports -----------------------------------------------------------------------------

    @page(("admin", "office"))
    async def reports_page(request: Request, who: auth.Person) -> Response:
        from reports import archive

        weeks = [(p.name, [f for f in FORMATS if (p / f"audit.{f}").is_file()]) for p in archive.weeks(config.archive)]
        return render(request, "reports.html", who, weeks=weeks, formats=FORMATS)

    @page(("admin", "office"))
    async def report_file(request: Request, who: auth.Person) -> Response:
        week_name, fmt = request.path_params["week"], request.path_params["fmt"]
        path = config.archive / week_name / f"audit.{fmt}"
        if not _WEEK.match(week_name) or fmt not in FORMATS or not path.is_file():
            return render(request, "error.html", who, 404, message="没有这份报告。")
        headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"}
        disposition = "inline" if fmt in ("html", "pdf") else "attachment"
        return FileResponse(path, filename=f"{week_name}-audit.{fmt}", content_disposition_type=disposition,
                            headers=headers if fmt == "html" else None)

    @page(("admin", "office"))
    async def rebuild(request: Request, who: auth.Person) -> Response:
        week_name = str(request.state.form.get("week", "")).strip()
        from reports.weekly import parse_week

        try:
            parse_week(week_name)
        except ValueError:
            flash(request, f"周次格式应为 2026-W47：{week_name[:20]}")
            return RedirectResponse("/reports", 303)
        await run_in_threadpool(_rebuild, store, config, week_name)
        with store.session() as s, s.begin():
            answers.audit(s, who.name, "report-rebuild", week_name)
        flash(request, f"已重新生成 {week_name} 周报")
        return RedirectResponse("/reports", 303)

    # -- problems ----------------------------------------------------------------------------

    def _filters(request: Request, who: auth.Person):
        f, errors = queries.Filters.parse(request.query_params)
        return f, errors

    @page()
    async def problems(request: Request, who: auth.Person) -> Response:
        f, errors = _filters(request, who)
        today = config.today()
        with store.session() as s:
            owners = queries.owners_now(s, config)
            rows, total = queries.problem_page(s, f, who, owners, today)
            from checks.registry import load_checks

            rules = {rule: cls.title for rule, cls in load_checks().items()}
            pages = max(1, -(-total // queries.PAGE_SIZE))
            return render(request, "problems.html", who, rows=rows, total=total, f=f, errors=errors, pages=pages,
                          rules=rules, owners=owners.all(), statuses=queries.STATUSES,
                          sites=[x.name for x in config.sites], accounts=[a.name for a in config.accounts],
                          severities=queries.SEVERITIES)

    @page()
    async def export(request: Request, who: auth.Person) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in exports.MEDIA:
            return render(request, "error.html", who, 404, message="导出格式只有 csv 和 xlsx。")
        f, _ = _filters(request, who)
        today = config.today()
        with store.session() as s:
            owners = queries.owners_now(s, config)
            rows = queries.problem_rows(s, f, who, owners, today)
            body = exports.xlsx(rows) if fmt == "xlsx" else exports.csv_bytes(rows)
        media = exports.MEDIA[fmt]
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="problems-{today}.{fmt}"'})

    def _visible(s, who: auth.Person, vid: int) -> m.Violation | None:
        v = s.get(m.Violation, vid)
        if v is None or not queries.may_see(who, queries.owners_now(s, config), v):
            return None  # another unit's problem is "not found", not "forbidden": nothing leaks
        return v

    @page()
    async def problem(request: Request, who: auth.Person) -> Response:
        vid = request.path_params["vid"]
        today = config.today()
        with store.session() as s:
            v = _visible(s, who, vid)
            if v is None:
                return render(request, "error.html", who, 404, message="没有这个问题。")
            active = answers.excused(s, today, [v.id]).get(v.id)
            from checks.registry import load_checks

            cls = load_checks().get(v.rule)
            return render(request, "problem.html", who, v=v, status=queries.status_of(v, active), answer=active,
                          history=answers.history(s, v.id), evidence=queries.evidence(s, v),
                          sentence=queries.sentence(v),
                          owner=queries.owners_now(s, config)(v), rule_title=cls.title if cls else v.rule,
                          can_recheck=recheck.supported(v.rule), today=today)

    @page()
    async def answer(request: Request, who: auth.Person) -> Response:
        vid = request.path_params["vid"]
        form = request.state.form
        with store.session() as s:
            if _visible(s, who, vid) is None:
                return render(request, "error.html", who, 404, message="没有这个问题。")
        kind = str(form.get("kind", ""))
        expires = None
        if kind == answers.EXEMPTION:
            try:
                expires = dt.date.fromisoformat(str(form.get("expires", "")))
            except ValueError:
                flash(request, "豁免需要填写有效期（YYYY-MM-DD）")
                return RedirectResponse(f"/problems/{vid}", 303)
        try:
            give(store, config, vid, kind, str(form.get("reason", "")), who.name, expires)
        except answers.AnswerError as exc:
            flash(request, f"未保存：{exc}")
        else:
            flash(request, "已保存答复")
        return RedirectResponse(f"/problems/{vid}", 303)

    @page()
    async def revoke(request: Request, who: auth.Person) -> Response:
        vid = request.path_params["vid"]
        with store.session() as s:
            if _visible(s, who, vid) is None:
                return render(request, "error.html", who, 404, message="没有这个问题。")
        n = take_back(store, config, vid, who.name)
        flash(request, "已撤销答复，问题重新计入" if n else "没有有效的答复")
        return RedirectResponse(f"/problems/{vid}", 303)

    @page()
    async def recheck_now(request: Request, who: auth.Person) -> Response:
        vid = request.path_params["vid"]
        with store.session() as s:
            if _visible(s, who, vid) is None:
                return render(request, "error.html", who, 404, message="没有这个问题。")
        try:
            outcome = await run_in_threadpool(recheck.recheck, store, config, vid, who.name)
        except recheck.RecheckError as exc:
            flash(request, f"未复查：{exc}")
        else:
            status = f"HTTP {outcome.status}" if outcome.status else (outcome.note or "")
            flash(request, f"复查结果：{outcome.verdict}（{status}）" + ("，问题已整改" if outcome.fixed else "，问题仍存在"))
        return RedirectResponse(f"/problems/{vid}", 303)

    # -- people ------------------------------------------------------------------------------

    @page(("admin",))
    async def people_page(request: Request, who: auth.Person) -> Response:
        with store.session() as s:
            from sqlalchemy import select

            users = people.active_users(s)
            log = list(s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(200)))
            owners = queries.owners_now(s, config).all()
            return render(request, "people.html", who, users=users, log=log, owners=owners, roles=people.ROLES)

    @page(("admin",))
    async def people_change(request: Request, who: auth.Person) -> Response:
        form, action = request.state.form, request.path_params["action"]
        name = str(form.get("name", "")).strip()
        try:
            with store.session() as s, s.begin():
                if action == "add":
                    people.add(s, name, str(form.get("role", "")), str(form.get("password", "")),
                               str(form.get("owner", "")), by=who.name)
                elif action == "passwd":
                    people.set_password(s, name, str(form.get("password", "")), by=who.name)
                elif action == "remove":
                    if name == who.name:
                        raise people.PeopleError("不能删除自己")
                    people.remove(s, name, by=who.name)
                else:
                    return render(request, "error.html", who, 404, message="未知操作。")
        except people.PeopleError as exc:
            flash(request, f"未保存：{exc}")
        else:
            flash(request, {"add": "已添加用户", "passwd": "已修改密码", "remove": "已删除用户"}[action] + f" {name}")
        return RedirectResponse("/people", 303)

    async def not_found(request: Request, exc: Exception) -> Response:
        return HTMLResponse("<!DOCTYPE html><title>404</title><p>没有这个页面。</p>", status_code=404)

    routes = [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", week),
        Route("/reports", reports_page),
        Route("/reports/rebuild", rebuild, methods=["POST"]),
        Route("/reports/{week}/audit.{fmt}", report_file),
        Route("/problems", problems),
        Route("/problems/export.{fmt:str}", export),
        Route("/problems/{vid:int}", problem),
        Route("/problems/{vid:int}/answer", answer, methods=["POST"]),
        Route("/problems/{vid:int}/revoke", revoke, methods=["POST"]),
        Route("/problems/{vid:int}/recheck", recheck_now, methods=["POST"]),
        Route("/people", people_page),
        Route("/people/{action}", people_change, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret or auth.secret_key(config.base_dir),
                   session_cookie="govwatch_session", max_age=session_seconds, same_site="lax",
                   https_only=secure_cookies),
    ]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found})
    with store.session() as s:
        app.state.no_users = not people.active_users(s)
    app.state.store = store
    return app


def _local(path: str) -> str:
    """Only a path on this site may follow a login (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def _rebuild(store: Store, config: Config, week_name: str) -> None:
    from reports import archive
    from reports.tabular import write_report
    from reports.weekly import build_weekly

    model = build_weekly(store, config, week_name)
    for fmt in FORMATS:
        write_report(model, fmt, config.archive / week_name / f"audit.{fmt}")
    archive.refresh(config.archive)
