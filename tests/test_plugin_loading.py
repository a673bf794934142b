"""Plugin loading degrades: a broken plugin is skipped with a message naming it, the rest of
the night runs and the run records why; rule parameters are validated strictly, all at once,
before any crawl."""

from __future__ import annotations

import json
import shutil
import sys
from importlib.metadata import EntryPoint

import pytest
import yaml

from checks import registry as reg
from checks.freshness import StaleColumn
from checks.registry import load_registry
from conftest import govwatch

GOOD = '''
from dataclasses import dataclass
from checks.base import Check, Violation


class Quiet(Check):
    """Finds nothing (a plugin that loads).

    ## What it checks
    Nothing.
    """

    id = "quiet"
    title = "示例"
    source = "示例"
    severity = "warning"

    @dataclass(frozen=True)
    class Params:
        pass

    def check(self, run, params):
        return iter(())


class NoDoc(Quiet):
    id = "no-doc"
    __doc__ = None


class BadSeverity(Quiet):
    """Documented."""
    id = "bad-severity"
    severity = "fatal"


class Twice(Quiet):
    """Reuses a built-in's id."""
    id = "dead-link"
'''


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    (tmp_path / "gw_broken_sample.py").write_text(GOOD, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "gw_broken_sample"
    sys.modules.pop("gw_broken_sample", None)


def _entry_points(module: str):
    eps = [EntryPoint(name, f"{module}:{attr}", reg.ENTRY_POINT_GROUP) for name, attr in
           (("quiet", "Quiet"), ("no-doc", "NoDoc"), ("bad-severity", "BadSeverity"), ("twice", "Twice"))]
    eps.append(EntryPoint("missing", "gw_no_such_module:Check", reg.ENTRY_POINT_GROUP))
    return lambda group: eps if group == reg.ENTRY_POINT_GROUP else []


def test_broken_plugins_are_skipped_and_named(plugin_module, monkeypatch):
    monkeypatch.setattr(reg, "entry_points", _entry_points(plugin_module))
    loaded = load_registry(plugins=True)
    assert "quiet" in loaded.checks and loaded.checks["dead-link"].__module__ == "checks.links"
    why = {b.name: b.error for b in loaded.broken}
    assert set(why) == {"no-doc", "bad-severity", "twice", "missing"}
    assert "no docstring" in why["no-doc"] and "'fatal'" in why["bad-severity"]
    assert "already defined by govwatch" in why["twice"] and "gw_no_such_module" in why["missing"]
    assert all(b.message.startswith(f"plugin check {b.name!r}") for b in loaded.broken)
    # a plugin switched off in the sites file is not even imported
    assert {b.name for b in load_registry(plugins=True, skip={"missing", "twice"}).broken} == {"no-doc", "bad-severity"}


PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "gw-broken-sample"
version = "0.1"

[project.entry-points."govwatch.checks"]
quiet = "gw_broken_sample:Quiet"
missing = "gw_no_such_module:Check"
"""


def _install(root):
    import subprocess

    source = root / "plugin-src"
    source.mkdir()
    (source / "gw_broken_sample.py").write_text(GOOD, "utf-8")
    (source / "pyproject.toml").write_text(PYPROJECT, "utf-8")
    target = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "--no-index",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    return {"PYTHONPATH": str(target)}


def test_a_broken_plugin_does_not_take_the_night_down(demo_dir, tmp_path):
    env = _install(tmp_path)
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    sites = directory / "sites.yaml"
    proc = govwatch("check", "--config", str(sites), env=env)
    assert "plugin check 'missing' from gw-broken-sample (missing) skipped" in proc.stderr
    assert "Traceback" not in proc.stderr
    # the built-ins ran: the demo's problems are still open
    opened = json.loads(govwatch("violations", "--config", str(sites), "--format", "json", env=env).stdout)
    assert {"dead-link", "stale-column"} <= {v["rule"] for v in opened}
    # `govwatch checks` lists it with why; the rule's page says so too
    listed = {c["id"]: c for c in json.loads(govwatch("checks", "--format", "json", env=env).stdout)}
    assert listed["quiet"]["origin"] == "gw-broken-sample (quiet)"
    assert listed["missing"]["status"] == "broken" and "gw_no_such_module" in listed["missing"]["error"]
    assert "NOT LOADED" in govwatch("checks", env=env).stdout
    # the run's notes carry it into the report
    report = json.loads(govwatch("report", "--config", str(sites), "--format", "json", "--out",
                                 str(tmp_path / "r.json"), env=env).stdout and (tmp_path / "r.json").read_text("utf-8"))
    assert any("gw_no_such_module" in n["note"] for n in report["notes"])
    # switched off in the sites file: not imported, no note, and `enabled: false` on a rule that
    # no loaded check defines is fine
    data = yaml.safe_load(sites.read_text("utf-8"))
    data["rules"] = {**data.get("rules", {}), "missing": {"enabled": False}, "not-installed": {"enabled": False}}
    sites.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    proc = govwatch("check", "--config", str(sites), env=env)
    assert "gw_no_such_module" not in proc.stderr


def test_rule_parameters_are_strict_and_all_reported_before_a_crawl(tmp_path):
    sites = tmp_path / "sites.yaml"
    # port 9 would make a crawl fail slowly: exit 2 comes before any request
    sites.write_text("sites:\n  - name: 县\n    url: http://127.0.0.1:9/\nrules:\n"
                     "  dead-link:\n    enabled: \"no\"\n"
                     "  stale-column:\n    news_days: \"14\"\n    policy_months: 3\n"
                     "  no-such-rule:\n    x: 1\n"
                     "  blank-column:\n    categories: [news, 3]\n", "utf-8")
    proc = govwatch("run", "--config", str(sites), check=False, timeout=60)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr
    assert "sites.yaml:6: rules.dead-link: parameter 'enabled': expected true or false, got string 'no'" in err
    assert "sites.yaml:8: rules.stale-column: parameter 'news_days': expected an integer, got string '14'" in err
    assert "sites.yaml:10: rules.no-such-rule: unknown rule" in err
    assert "sites.yaml:13: rules.blank-column: parameter 'categories': item[1]: expected a string, got integer 3" in err
    assert "run " not in err and "Traceback" not in err  # no run was started


def test_params_accept_what_yaml_means():
    assert StaleColumn.params({"news_days": 7}).news_days == 7
    with pytest.raises(ValueError, match="parameter 'news_days': expected an integer, got boolean True"):
        StaleColumn.params({"news_days": True})
    params, errors = StaleColumn.param_errors({"news_days": "7", "notice_months": 1.5, "typo": 1})
    assert params is None and [e.key for e in errors] == ["news_days", "notice_months", "typo"]
