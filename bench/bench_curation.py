"""Benchmark: offline curation quality per labelled dev set (issue 13).

Run standalone: ``.venv/bin/python bench/bench_curation.py``. Prints one row
per set (see ``tests/curation_sets.py`` for the sets and their labels):

- link coverage: share of articles with at least one related link;
- link precision: share of links whose two articles carry the same topic label;
- trends: trend groups over the set's weeks, the share of articles in one,
  and the adjusted Rand index of that grouping against the topic labels
  (articles outside every trend count as singletons on both sides);
- Other: share of articles filed under "Other" with the categories named only;
- category accuracy with the categories named only (no keywords), and after
  the reader corrected 2 articles per category (those 2 left out of the count);
- score changes: articles whose score, tier, category or tags differ between
  the whole batch, reversed, shuffled, each article alone, and after a typo fix.

The seed sets need ../shared/seeds; they are skipped when it is absent.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.curation_sets import all_sets, measure  # noqa: E402


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f} %"


def main() -> None:
    print("| set | articles | link coverage | link precision | trends (share of articles) | ARI | Other "
          "| category accuracy, names only | after 2 corrections per category | scores changed by batch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    figures: dict[str, object] = {}
    for ds in all_sets():
        start = time.perf_counter()
        f = measure(ds)
        print(f"| {f.name} | {f.articles} | {_pct(f.link_coverage)} | {_pct(f.link_precision)} "
              f"| {f.trends} ({_pct(f.trend_share)}) | {'–' if f.ari is None else f'{f.ari:.2f}'} "
              f"| {_pct(f.other_share)} | {_pct(f.category_accuracy)} | {_pct(f.corrected_accuracy)} "
              f"| {f.score_changes} |")
        weeks = ", ".join(f"{w}: {n} articles -> {t} trends" for w, (n, t) in f.weeks.items())
        print(f"<!-- {f.name}: {time.perf_counter() - start:.1f} s; {weeks}; trends: {'; '.join(f.trend_names)} -->",
              file=sys.stderr)
        figures[f"{f.name}: link coverage / precision"] = f"{_pct(f.link_coverage)} / {_pct(f.link_precision)}"
        figures[f"{f.name}: trends (ARI)"] = f"{f.trends} ({'–' if f.ari is None else f'{f.ari:.2f}'})"
        figures[f"{f.name}: Other / category accuracy / after corrections"] = \
            f"{_pct(f.other_share)} / {_pct(f.category_accuracy)} / {_pct(f.corrected_accuracy)}"
        figures[f"{f.name}: scores changed by batch"] = f.score_changes
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
