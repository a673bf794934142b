"""Accuracy of the page extractor on the real pages in ../shared/realpages.

    .venv/bin/python bench/realpages_accuracy.py [--pages DIR] [--expected FILE] [--json]

Runs ``crawler.extract.page.analyse`` (what ``govwatch inspect`` shows) over every page named in
``bench/realpages_expected.json`` — the values an inspector reads on each page, written by
reading the pages — and prints, per page, what differs, then three figures:

- publication dates right (of the pages that show one, or show none),
- metadata fields right (of the fields the pages show),
- wrong values: a date or field value given that is not the page's (worse than a miss: a
  false violation), and page kinds wrong.

Exits 0 when ../shared is absent (nothing to measure; says so), 1 when a page listed is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout, not an installed copy

from crawler.extract.page import analyse  # noqa: E402

DEFAULT_PAGES = HERE.parent.parent / "shared" / "realpages"


def measure(pages: Path, expected: dict) -> dict:
    """Per-page differences and the totals."""
    totals = {"dates_right": 0, "dates_total": 0, "fields_right": 0, "fields_total": 0,
              "wrong_values": 0, "kinds_wrong": 0}
    rows = []
    for name, want in expected.items():
        if name.startswith("_"):
            continue
        facts = analyse((pages / name).read_bytes(), want["url"])
        problems = []
        got_date = facts.published.isoformat() if facts.published else None
        if "skip_published" not in want:
            totals["dates_total"] += 1
            if got_date == want["published"]:
                totals["dates_right"] += 1
            elif got_date is None:
                problems.append(f"date missed (page shows {want['published']})")
            else:
                totals["wrong_values"] += 1
                problems.append(f"date wrong: {got_date} ({facts.published_source}), page shows {want['published']}")
        for label, value in want["metadata"].items():
            totals["fields_total"] += 1
            if facts.metadata.get(label) == value:
                totals["fields_right"] += 1
            elif label not in facts.metadata:
                problems.append(f"field missed: {label}")
        for label, value in facts.metadata.items():
            if want["metadata"].get(label) != value:
                totals["wrong_values"] += 1
                problems.append(f"field wrong: {label}={value!r} (page: {want['metadata'].get(label)!r})")
        if facts.kind != want["kind"]:
            totals["kinds_wrong"] += 1
            problems.append(f"kind {facts.kind}, page is {want['kind']}")
        rows.append({"page": name, "published": got_date, "source": facts.published_source, "problems": problems})
    return {"pages": rows, **totals}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--expected", type=Path, default=HERE / "realpages_expected.json")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    args = parser.parse_args(argv)
    if not args.pages.is_dir():
        print(f"skipped: {args.pages} is absent (the real pages live in ../shared/realpages)")
        return 0
    expected = json.loads(args.expected.read_text("utf-8"))
    missing = [n for n in expected if not n.startswith("_") and not (args.pages / n).is_file()]
    if missing:
        print(f"error: pages listed in {args.expected.name} are missing: {', '.join(missing)}", file=sys.stderr)
        return 1
    result = measure(args.pages, expected)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for row in result["pages"]:
        mark = "ok " if not row["problems"] else "!! "
        print(f"{mark}{row['page']}: {row['published']} ({row['source']})")
        for problem in row["problems"]:
            print(f"     {problem}")
    r = result
    print(f"publication dates right: {r['dates_right']}/{r['dates_total']}  "
          f"metadata fields right: {r['fields_right']}/{r['fields_total']}  "
          f"wrong values: {r['wrong_values']}  kinds wrong: {r['kinds_wrong']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
