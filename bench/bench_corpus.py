"""Benchmark: every file of the shared feed corpora served over local HTTP with its headers, through one sync.

The counts of tests/test_corpus.py's HTTP test, recorded: files, feeds read
or reported by status, feed errors by reason, entries read, articles stored
and written as notes, entries rejected by reason (tests/hostile/corpus.py
serves each file with its ``Header:`` lines as the response). Skipped, with
a line saying so, when /work/shared/feeds-corpus is absent. The last line is
the JSON of the figures (bench/run_all.py).

    .venv/bin/python bench/bench_corpus.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> dict:
    from tests.feedserver import FeedServer
    from tests.hostile.corpus import CORPUS, corpus_files, ingest_corpus, serve_corpus

    if not CORPUS.is_dir():
        figures = {"corpus": f"not found at {CORPUS}; skipped"}
        print(json.dumps(figures))
        return figures
    with tempfile.TemporaryDirectory() as tmp, FeedServer() as server:
        started = time.perf_counter()
        counts = ingest_corpus(Path(tmp), serve_corpus(server, corpus_files()))
        seconds = time.perf_counter() - started
    print(json.dumps(counts, ensure_ascii=False, indent=1))
    figures = {
        "files served (feedparser + feed-rs corpora)": counts["files"],
        "feeds by outcome": ", ".join(f"{k} {v}" for k, v in sorted(counts["feeds by status"].items())),
        "feed errors by reason": ", ".join(f"{k}: {v}" for k, v in counts["feed errors"].items()),
        "entries read / distinct articles stored (same URL = one) / notes written":
            f"{counts['entries read']} / {counts['articles stored']} / {counts['notes']}",
        "entries rejected, by reason": ", ".join(f"{k}: {v}" for k, v in counts["rejected by reason"].items()),
        "exceptions / note problems": f"0 / {len(counts['problems'])}",
        "time, whole sync": f"{seconds:.1f} s",
    }
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
