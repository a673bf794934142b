"""Precision of the name-variant rule on correct official text: it must find nothing.

    .venv/bin/python bench/variants_precision.py [--pages DIR]

Reads the text of every real page in ../shared/realpages and every page of the bundled demo
portal (its planted problems are links, dates and lexicon typos, not name variants), runs
``checks.variants.find_variants`` and prints each hit with its context, then how many
characters were read and how many hits there were. Skips the real pages when ../shared is absent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from checks.variants import find_variants, load_names  # noqa: E402
from checks.wording import default_lexicon  # noqa: E402
from crawler.extract.page import analyse  # noqa: E402


def corpus(pages: Path) -> list[tuple[str, str]]:
    """(name, text) of the real pages and of the demo portal's pages."""
    from govwatch.demo.portal import write_portal

    texts = []
    if pages.is_dir():
        for path in sorted(pages.glob("*.htm*")):
            facts = analyse(path.read_bytes(), "http://www.example.gov.cn/a.html")
            texts.append((path.name, f"{facts.title}\n{facts.text}"))
    for path in sorted((HERE.parent / "tests" / "fixtures").rglob("*.htm*")):
        facts = analyse(path.read_bytes(), "http://www.example.gov.cn/a.html")
        texts.append((f"fixture:{path.name}", f"{facts.title}\n{facts.text}"))
    with tempfile.TemporaryDirectory() as tmp:
        import datetime as dt

        write_portal(Path(tmp), dt.date(2026, 11, 22))
        for path in sorted(Path(tmp).rglob("*.htm*")):
            facts = analyse(path.read_bytes(), "http://127.0.0.1/" + path.name)
            texts.append((f"demo:{path.relative_to(tmp)}", f"{facts.title}\n{facts.text}"))
    return texts


def measure(pages: Path) -> tuple[int, int, list[str]]:
    """(characters read, false hits, lines): a hit on a typo the wording lexicon lists (the
    demo's planted 中华人民共合国) is not false, and the rule leaves it to wording-error."""
    names, listed = load_names(), default_lexicon().screen
    chars, false, lines = 0, 0, []
    for name, text in corpus(pages):
        chars += len(text)
        for v in find_variants(text, names):
            planted = listed is not None and listed.search(text, max(0, v.start - 6), v.start + len(v.wrong) + 6)
            false += not planted
            lines.append(f"{name}: {v.wrong} (for {v.right}, {v.how}){' [a listed typo]' if planted else ''}: "
                         f"…{text[max(0, v.start - 15): v.start + 25]}…")
    return chars, false, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=HERE.parent.parent / "shared" / "realpages")
    args = parser.parse_args()
    chars, count, hits = measure(args.pages)
    for line in hits:
        print(line)
    print(f"characters of correct text read: {chars}  false name-variant hits: {count}"
          + ("" if args.pages.is_dir() else f"  ({args.pages} absent: demo portal only)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
