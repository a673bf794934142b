"""A separate package adds a check through the `govwatch.checks` entry point."""

from __future__ import annotations

import json
import shutil
import textwrap

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


def make_plugin(root):
    """An installed distribution as importlib.metadata sees one: a module plus its dist-info."""
    (root / "govwatch_sample_plugin.py").write_text(PLUGIN, "utf-8")
    info = root / "govwatch_sample_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: govwatch-sample-plugin\nVersion: 0.1\n", "utf-8")
    (info / "entry_points.txt").write_text(
        "[govwatch.checks]\nlong-title = govwatch_sample_plugin:LongTitle\n", "utf-8")
    return {"PYTHONPATH": str(root)}


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
    with sites.open("a", encoding="utf-8") as f:
        f.write(textwrap.dedent("""
            rules:
              long-title:
                max_chars: 1000
        """))
    govwatch("check", "--config", str(sites), env=env)
    assert not [v for v in violations_json(sites) if v["rule"] == "long-title"]
    # without autoload the plugin is off
    off = {c["id"] for c in json.loads(govwatch("checks", "--format", "json",
                                                env={**env, "GOVWATCH_DISABLE_PLUGIN_AUTOLOAD": "1"}).stdout)}
    assert "long-title" not in off
