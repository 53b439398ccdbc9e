"""Per-invoice time of the engine in this tree against the engine of another git revision.

    python -m benchmarks.revisions REV [--rounds N]

Both engines price the same generated documents with the same tariff (the IM tariff of this
tree), each in a process of its own, one round at a time in turns (old, new, new, old, ...),
so a busy machine slows both alike. It prints the medians, the median of the per-round
ratios and the spread of the ratios, and checks first that both give the same invoices.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from benchmarks import generate

ROOT = Path(__file__).resolve().parent.parent
IM = ROOT / "tariffs" / "tencent-im"

# Runs in each child: prices the documents once per line read on stdin, answering with the seconds taken.
CHILD = """
import gc, hashlib, json, sys, time
from decimal import Decimal
from pathlib import Path
import engine
assert Path(engine.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), engine.__file__
tariff = engine.load_tariff(sys.argv[2])
documents = [json.loads(line, parse_float=Decimal) for line in Path(sys.argv[3]).read_text().splitlines()]
digest = hashlib.sha256("".join(engine.quote(tariff, d).to_json() for d in documents).encode()).hexdigest()
print(digest, flush=True)
for _ in sys.stdin:
    gc.collect()
    start = time.perf_counter()
    for document in documents:
        engine.quote(tariff, document)
    print((time.perf_counter() - start) / len(documents), flush=True)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.revisions", description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", help="the git revision to compare with (e.g. HEAD~3, a commit, a branch)")
    parser.add_argument("--rounds", type=int, default=21, help="rounds per engine (default 21)")
    parser.add_argument("--documents", type=int, default=4000, help="documents per round (default 4000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tariff-revisions-") as scratch:
        old = Path(scratch) / "old"
        _export(args.revision, old)
        documents = Path(scratch) / "documents.jsonl"
        documents.write_text("".join(json.dumps(record) + "\n" for record in generate.records(args.documents)), "utf-8")
        env = {**os.environ, "TARIFF_ENGINE_CACHE": "off"}
        children = {
            name: subprocess.Popen(
                [sys.executable, "-c", CHILD, str(tree), str(IM), str(documents)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env={**env, "PYTHONPATH": str(tree)},
                cwd=scratch,
            )
            for name, tree in (("old", old), ("new", ROOT))
        }
        digests = {name: _read(child) for name, child in children.items()}
        if digests["old"] != digests["new"]:
            print(f"the two engines give different invoices: {digests}", file=sys.stderr)
            return 1
        times: dict[str, list[float]] = {"old": [], "new": []}
        for index in range(args.rounds):
            for name in ("old", "new") if index % 2 == 0 else ("new", "old"):
                child = children[name]
                assert child.stdin is not None
                child.stdin.write("go\n")
                child.stdin.flush()
                times[name].append(float(_read(child)))
        for child in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait()
    ratios = [new / old for old, new in zip(times["old"], times["new"], strict=True)]
    print(f"revision {args.revision} against this tree: {args.documents} documents, {args.rounds} rounds each, in turns")
    print(f"  invoices identical (sha256 {digests['new'][:16]}...)")
    for name in ("old", "new"):
        print(f"  {name}: median {statistics.median(times[name]) * 1e6:.2f} µs per invoice")
    quartiles = statistics.quantiles(ratios, n=4)
    print(f"  new / old: median {statistics.median(ratios):.3f}×, middle half of the rounds {quartiles[0]:.3f}× to {quartiles[2]:.3f}×")
    return 0


def _export(revision: str, where: Path) -> None:
    """The revision's engine package, as files."""
    where.mkdir()
    archive = where.parent / "old.tar"
    paths = ["engine", "schemas", "tariffs"]
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), revision, *paths], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(where, filter="data")


def _read(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        raise SystemExit(f"a benchmark process ended early (exit {child.wait()})")
    return line.strip()


if __name__ == "__main__":
    raise SystemExit(main())
