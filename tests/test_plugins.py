"""A separate package adds a check through the `govwatch.checks` entry point; every check,
built-in or plugin, documents itself the same way."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from checks.registry import load_checks
from conftest import govwatch, violations_json

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "govwatch-sample-plugin"


def make_plugin(root):
    """The sample plugin of examples/ (the README's recipe), built and installed by pip into its
    own folder, so the project's environment stays as it was."""
    source = root / "plugin-src"
    shutil.copytree(SAMPLE, source, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    target = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "--no-index",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    return {"PYTHONPATH": str(target)}


def test_sample_plugin_passes_its_own_tests(tmp_path):
    """The sample plugin's tests, against the installed plugin and GovWatch's test kit."""
    env = make_plugin(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                           str(tmp_path / "plugin-src"), str(tmp_path / "plugin-src" / "tests")],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": f"{env['PYTHONPATH']}{os.pathsep}{ROOT}"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout


def test_checks_rule_prints_one_rules_documentation(tmp_path):
    env = make_plugin(tmp_path)
    page = govwatch("checks", "long-title", env=env).stdout
    assert page.startswith("# long-title — 标题过长") and "max_chars = 25" in page and "## What it checks" in page
    assert "from: govwatch-sample-plugin (long-title)" in page
    assert "## Why it matters" in govwatch("checks", "dead-link").stdout
    wrong = govwatch("checks", "dead-lnk", check=False)
    assert wrong.returncode == 2 and "did you mean 'dead-link'?" in wrong.stderr


def test_plugin_is_listed_and_reports_in_a_run(demo_dir, tmp_path):
    env = make_plugin(tmp_path)
    listed = {c["id"]: c for c in json.loads(govwatch("checks", "--format", "json", env=env).stdout)}
    assert listed["long-title"]["title"] == "标题过长" and listed["long-title"]["parameters"] == {"max_chars": 25}
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    sites = directory / "sites.yaml"
    govwatch("check", "--config", str(sites), env=env)
    long_titles = [v for v in violations_json(sites) if v["rule"] == "long-title"]
    assert long_titles and all(v["detail"]["length"] > 25 for v in long_titles)
    # its parameters come from the sites file like a built-in's
    data = yaml.safe_load(sites.read_text("utf-8"))
    data["rules"] = {**data.get("rules", {}), "long-title": {"max_chars": 1000}}
    sites.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    govwatch("check", "--config", str(sites), env=env)
    assert not [v for v in violations_json(sites) if v["rule"] == "long-title"]
    # without autoload the plugin is off
    off = {c["id"] for c in json.loads(govwatch("checks", "--format", "json",
                                                env={**env, "GOVWATCH_DISABLE_PLUGIN_AUTOLOAD": "1"}).stdout)}
    assert "long-title" not in off


_SECTIONS = ("## What it checks", "## Why it matters", "## Parameters")


@pytest.mark.parametrize("rule", sorted(load_checks(plugins=False)))
def test_every_builtin_documents_itself(rule):
    cls = load_checks(plugins=False)[rule]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cls.id)
    assert re.search(r"[\u4e00-\u9fff]", cls.title), "a Chinese title for reports"
    assert cls.source.strip()
    doc = cls.describe()["doc"]
    missing = [s for s in _SECTIONS if s not in doc]
    assert not missing, f"{rule}: docstring lacks {missing}"
    # every parameter the rule takes is explained in its docstring
    for name in cls.describe()["parameters"]:
        assert f"``{name}``" in doc, f"{rule}: parameter {name} is not documented"


def test_checks_command_lists_every_rule_with_its_points():
    listed = {c["id"]: c for c in json.loads(govwatch("checks", "--format", "json").stdout)}
    assert set(load_checks(plugins=False)) <= set(listed)
    assert listed["dead-link"]["points"] == {"points": 0.1, "cap": 10, "home_points": 1}
    assert listed["homepage-stale"]["severity"] == "veto" and listed["homepage-stale"]["points"] is None
