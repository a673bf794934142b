"""Every fault case gets its verdict; nothing transient is ever reported dead."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import closed_port, govwatch, violations_json
from crawler.verdicts import judge_attachment, judge_page, verdict_for_failure
from faultserver import EXPECTED, FaultServer

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    server = FaultServer(slow_seconds=3)
    refused = f"http://127.0.0.1:{closed_port()}/x.html"
    external_soft = f"http://localhost:{server.server_address[1]}/soft404.html"
    server.extra_links = [refused, external_soft]
    directory = tmp_path_factory.mktemp("fault")
    sites = directory / "sites.yaml"
    sites.write_text(f"""sites:
  - name: 故障测试站
    url: {server.url}
  - name: 软404站
    url: {server.url}soft-site/
crawl: {{delay: 0, concurrency: 4, timeout: 1, retries: 2, soft_404_phrases: [该信息已撤稿]}}
""", "utf-8")
    govwatch("run", "--config", str(sites), "--as-of", "2026-11-22")
    with sqlite3.connect(directory / "govwatch.db") as conn:
        rows = conn.execute("select url, verdict, status, error, note, attempts, redirects from link_checks").fetchall()
    yield {"server": server, "sites": sites, "refused": refused, "external_soft": external_soft,
           "checks": {r[0]: r for r in rows}}
    server.shutdown()


def test_every_case_gets_its_verdict(fault_run):
    base = fault_run["server"].url.rstrip("/")
    checks = fault_run["checks"]
    got = {path: checks[base + path][1] for path in EXPECTED if base + path in checks}
    assert got == EXPECTED
    assert checks[fault_run["refused"]][1] == "dead"
    assert checks[fault_run["external_soft"]][1] == "soft-404"
    # a site that answers missing URLs with 200: its own fingerprint gives them away
    assert checks[base + "/soft-site/nope.html"][1] == "soft-404"
    assert checks[base + "/soft-site/ok.html"][1] == "ok"


def test_evidence(fault_run):
    base = fault_run["server"].url.rstrip("/")
    checks = fault_run["checks"]
    assert checks[base + "/gone.html"][5] == 2  # a 410 is confirmed by a second attempt
    assert checks[base + "/chain-1.html"][6] is not None and "ok2.html" in checks[base + "/chain-1.html"][6]
    assert "页面不存在" in checks[base + "/soft404.html"][4]
    assert fault_run["server"].hits["/ratelimit.html"] == 2  # waited, then retried once
    first, second = fault_run["server"].times["/ratelimit.html"]
    assert second - first >= 0.9  # Retry-After: 1
    first, second = fault_run["server"].times["/flaky-503.html"][:2]
    assert second - first >= 0.4  # retries are spaced out (backoff 0.5 s)


def test_only_dead_soft404_and_bad_attachments_are_violations(fault_run):
    base = fault_run["server"].url.rstrip("/")
    found = violations_json(fault_run["sites"])
    link_rules = {"dead-link", "soft-404", "bad-attachment"}  # the site's other rules are not the point here
    deductions = {(v["rule"], v["url"]) for v in found if v["rule"] in link_rules and v["site"] == "故障测试站"}
    expected = {({"dead": "dead-link"}.get(verdict, verdict), base + path)
                for path, verdict in EXPECTED.items() if verdict in ("dead", "soft-404", "bad-attachment")}
    expected |= {("dead-link", fault_run["refused"]), ("soft-404", fault_run["external_soft"])}
    assert deductions == expected
    warnings = {v["rule"] for v in found if v["severity"] == "warning"}
    assert warnings == {"link-rate-limited", "link-timeout", "link-error", "link-redirect-loop",
                        "link-blocked", "link-server-error"}
    dead = {v["url"]: v for v in found if v["rule"] == "dead-link"}
    assert dead[base + "/gone.html"]["detail"]["pages"][0]["url"] == base + "/"


@pytest.mark.parametrize("exc_name, verdict", [
    ("CannotResolveHostError", "dead"), ("DownloadConnectionRefusedError", "dead"),
    ("DownloadTimeoutError", "timeout"), ("DownloadFailedError", "error"),
])
def test_failure_classes(exc_name, verdict):
    from scrapy import exceptions

    assert verdict_for_failure(getattr(exceptions, exc_name)("x"))[0] == verdict


def test_judges():
    assert judge_attachment("http://a/x.pdf", "application/pdf", b"%PDF-1.7") is None
    assert judge_attachment("http://a/x.docx", None, b"PK\x03\x04rest") is None
    assert judge_attachment("http://a/x.pdf", "text/html", b"<!DOCTYPE html><html>") is not None
    assert judge_page("http://a/p.html", "http://a/p.html", "正常", "页面不存在" + "字" * 5000, "http://a/", None) is None
    assert judge_page("http://a/p.html", "http://a/", None, "", "http://a/", None).verdict == "soft-404"


def test_canary_failure_means_no_dead_verdicts(tmp_path):
    server = FaultServer(slow_seconds=0.1)
    try:
        sites = tmp_path / "sites.yaml"
        sites.write_text(f"""sites:
  - name: 故障测试站
    url: {server.url}
crawl: {{delay: 0, concurrency: 4, timeout: 1, retries: 0, canary: "http://127.0.0.1:{closed_port()}/"}}
""", "utf-8")
        govwatch("run", "--config", str(sites), "--as-of", "2026-11-22")
        found = violations_json(sites)
        assert not [v for v in found if v["rule"] in ("dead-link", "soft-404", "bad-attachment")]
        with sqlite3.connect(tmp_path / "govwatch.db") as conn:
            assert "degraded" in conn.execute("select stats from runs").fetchone()[0]
            assert conn.execute("select count(*) from link_checks where verdict = 'dead'").fetchone()[0] > 0
    finally:
        server.shutdown()


def test_good_external_links_are_cached_between_runs(demo_dir, tmp_path):
    import shutil

    from govwatch.demo.server import PortalServer

    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    external = FaultServer()
    try:
        page = directory / "portal" / "jgzn" / "index.html"
        page.write_text(page.read_text("utf-8").replace(
            "</body>", f'<a href="{external.url}ok.html">外部链接</a><a href="{external.url}gone.html">外部死链</a></body>'),
            "utf-8")
        sites = directory / "sites.yaml"
        port = int(sites.read_text("utf-8").split("127.0.0.1:")[1].split("/")[0])
        with PortalServer(directory / "portal", port=port):
            # the same night twice: a good verdict is not due again for days (on some later
            # night its rotation slot comes round, crawler.revisit)
            govwatch("run", "--config", str(sites), "--as-of", "2026-11-23")
            govwatch("run", "--config", str(sites), "--as-of", "2026-11-23")
        assert external.hits["/ok.html"] == 1  # the second run reused the good verdict
        assert external.hits["/gone.html"] == 4  # failures are never kept (2 attempts per run)
        dead = [v for v in violations_json(sites) if v["url"] == f"{external.url}gone.html"]
        assert dead and dead[0]["last_seen"] == "2026-11-23"
        with sqlite3.connect(directory / "govwatch.db") as conn:  # the kept verdict says where it is from
            kept = conn.execute("select carried_from, checked_at from link_checks where url = ? order by run_id",
                                (f"{external.url}ok.html",)).fetchall()
        assert kept[0][0] is None and kept[-1][0] is not None and kept[-1][1] == kept[0][1]
    finally:
        external.shutdown()


def test_old_tls_server_is_checked_and_its_certificate_judged(tmp_path):
    """A TLS 1.0-only server with a self-signed certificate: its 404 is still a dead link (the
    handshake succeeded), its working page is a tls-error warning, not dead."""
    import datetime as dt
    import ssl
    import warnings

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old.example.gov.cn")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=2)).not_valid_after(now + dt.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1
    old = FaultServer(tls=ctx)
    site = FaultServer()
    port = old.server_address[1]
    site.extra_links = [f"https://127.0.0.1:{port}/ok.html", f"https://127.0.0.1:{port}/gone.html"]
    try:
        sites = tmp_path / "sites.yaml"
        sites.write_text(f"sites:\n  - name: 站\n    url: {site.url}\ncrawl: {{delay: 0, timeout: 3}}\n", "utf-8")
        govwatch("crawl", "--config", str(sites), "--as-of", "2026-11-22")
        with sqlite3.connect(tmp_path / "govwatch.db") as conn:
            rows = dict(conn.execute("select url, verdict || ':' || coalesce(note, '') from link_checks "
                                     "where url like 'https://%'").fetchall())
        assert rows[f"https://127.0.0.1:{port}/gone.html"].startswith("dead")
        ok = rows[f"https://127.0.0.1:{port}/ok.html"]
        assert ok.startswith("tls-error:") and "self-signed" in ok and "not for 127.0.0.1" in ok
    finally:
        old.shutdown()
        site.shutdown()
