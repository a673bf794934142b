"""The import contracts of ARCHITECTURE.md hold: checked by import-linter (.importlinter), so
they hold by a tool, not by discipline."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [shutil.which("lint-imports") or "lint-imports"]
    proc = subprocess.run([*command, "--config", str(ROOT / ".importlinter"), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_architecture_document_names_every_contract():
    text = (ROOT / "ARCHITECTURE.md").read_text("utf-8")
    contracts = [line.split("=", 1)[1].strip() for line in (ROOT / ".importlinter").read_text("utf-8").splitlines()
                 if line.startswith("name =")]
    assert contracts and all(name in text for name in contracts)
