"""A separate package adds a check through the `govwatch.checks` entry point; every check,
built-in or plugin, documents itself the same way."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import pytest
import yaml

from checks.registry import load_checks
from conftest import govwatch, violations_json

PLUGIN = '''
from dataclasses import dataclass
from checks.base import Check, Violation


class LongTitle(Check):
    """A page whose title is longer than a local rule allows.

    ## What it checks
    Article titles over ``max_chars`` characters.
    """

    id = "long-title"
    title = "标题过长"
    source = "示例省地方规则"
    severity = "warning"

    @dataclass(frozen=True)
    class Params:
        max_chars: int = 25

    def check(self, run, params):
        for page in run.pages(kinds=("article",)):
            if page.title and len(page.title) > params.max_chars:
                yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                                detail={"length": len(page.title)})
'''


PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "govwatch-sample-plugin"
version = "0.1"

[project.entry-points."govwatch.checks"]
long-title = "govwatch_sample_plugin:LongTitle"
"""


def make_plugin(root):
    """The README's plugin recipe, built and installed by pip (into its own folder, so the
    project's environment stays as it was): one module and one entry point."""
    source = root / "plugin-src"
    source.mkdir()
    (source / "govwatch_sample_plugin.py").write_text(PLUGIN, "utf-8")
    (source / "pyproject.toml").write_text(PYPROJECT, "utf-8")
    target = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "--no-index",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    return {"PYTHONPATH": str(target)}


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
