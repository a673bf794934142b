"""After a run, one message per configured URL about what changed — never the same twice."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import govwatch
from test_e2e_demo import planted_entries
from crawler.demo.server import PortalServer

pytestmark = pytest.mark.slow


class Receiver(ThreadingHTTPServer):
    def __init__(self):
        self.messages: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.messages.append({"path": self.path, "json": json.loads(body),
                                          "token": self.headers.get("X-Token")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_run_notifies_new_then_only_changes(demo_dir, tmp_path):
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    (directory / "govwatch.db").unlink()
    receiver = Receiver()
    port = receiver.server_address[1]
    sites = directory / "sites.yaml"
    with sites.open("a", encoding="utf-8") as f:
        f.write(f"notify:\n  - url: json://127.0.0.1:{port}/hook?+X-Token=s3cr3tTOKEN\n")
    portal_port = int(sites.read_text("utf-8").split("127.0.0.1:")[1].split("/")[0])
    try:
        with PortalServer(directory / "portal", port=portal_port):
            first = govwatch("run", "--config", str(sites), "--as-of", "2026-11-22")
            assert len(receiver.messages) == 1
            msg = receiver.messages[0]["json"]
            # a fresh database has no availability probes: site-unreachable is not judged yet
            planted = [p for p in planted_entries(directory) if p["rule"] != "site-unreachable"]
            vetoes = sum(p.get("severity") == "veto" for p in planted)
            assert f"新发现单项否决问题 {vetoes} 个，问题共 {len(planted)} 个" in msg["title"]
            assert "示例县人民政府" in msg["message"]
            assert receiver.messages[0]["token"] == "s3cr3tTOKEN"
            assert "s3cr3tTOKEN" not in first.stderr + first.stdout  # tokens never printed
            govwatch("run", "--config", str(sites), "--as-of", "2026-11-23")
            assert len(receiver.messages) == 1  # nothing changed: no second alert
            shutil.copy(directory / "portal" / "uploads" / "2026" / "form.pdf",
                        directory / "portal" / "uploads" / "2026" / "notice-attachment.pdf")
            govwatch("run", "--config", str(sites), "--as-of", "2026-11-24")
            assert len(receiver.messages) == 2
            assert "已整改 1 个" in receiver.messages[1]["json"]["title"]
    finally:
        receiver.shutdown()


def test_failed_notification_is_not_fatal(demo_dir, tmp_path):
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    (directory / "govwatch.db").unlink()
    sites = directory / "sites.yaml"
    with sites.open("a", encoding="utf-8") as f:
        f.write("notify:\n  - url: json://user:s3cr3tTOKEN@127.0.0.1:9/hook\n")
    portal_port = int(sites.read_text("utf-8").split("127.0.0.1:")[1].split("/")[0])
    with PortalServer(directory / "portal", port=portal_port):
        proc = govwatch("run", "--config", str(sites), "--as-of", "2026-11-22")
    assert "FAILED" in proc.stderr and "s3cr3tTOKEN" not in proc.stderr + proc.stdout
