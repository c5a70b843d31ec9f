"""Run every robustness case in its own child process and print (or write) the issue-14 table.

    python -m tests.robustness.report                 # print the table
    python -m tests.robustness.report --write         # also replace it in docs/reliability.md
    python -m tests.robustness.report --jobs 2 -v     # two children at a time, list every case

Each case runs as ``python -m tests.robustness.harness <case> <cap>``: its address space capped
at 3 GB (``RLIMIT_AS``), a timeout, its peak memory measured; a signal death counts as a crash.
The columns are the outcomes of :func:`tests.robustness.harness.judge`.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import os
import platform
import re
import sys
import time

from tests.robustness.harness import AREAS, MEMORY_CAP, PEAK_LIMIT, REPO, load_cases, run_isolated

COLUMNS = [("clear", "clear error"), ("unclear", "unclear error"),
           ("accepted", "wrong result accepted"), ("crash", "crash"),
           ("oversize", ">500 MB or hang"), ("state_changed", "state changed after error")]
BEGIN, END = "<!-- robustness-table:begin -->", "<!-- robustness-table:end -->"


def run_all(jobs: int, verbose: bool):
    cases = load_cases()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_isolated, cid): cid for cid in cases}
        for fut in concurrent.futures.as_completed(futures):
            cid = futures[fut]
            outcome, detail, peak = fut.result()
            results[cid] = outcome
            if verbose:
                print(f"{outcome:14s} {peak >> 20:5d} MB  {cid}: {detail[:150]}", flush=True)
    return cases, results


def table(cases, results) -> str:
    head = "| area | tried | " + " | ".join(label for _, label in COLUMNS) + " |"
    rule = "|---|" + "---|" * (len(COLUMNS) + 1)
    rows = [head, rule]
    totals = [0] * (len(COLUMNS) + 1)
    for area in AREAS:
        ids = [cid for cid, c in cases.items() if c.area == area]
        counts = [len(ids)] + [sum(results[cid] == key for cid in ids) for key, _ in COLUMNS]
        totals = [a + b for a, b in zip(totals, counts)]
        rows.append(f"| {area} | " + " | ".join(str(n) for n in counts) + " |")
    rows.append("| **all** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    return "\n".join(rows)


def not_clear(cases, results) -> str:
    lines = [f"- `{cid}`: {results[cid]}" + (" (pending the lead's models/ wiring)"
                                             if cases[cid].pending else "")
             for cid in sorted(results) if results[cid] != "clear"]
    return "\n".join(lines) if lines else "- none"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--write", action="store_true", help="update docs/reliability.md")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    start = time.time()
    cases, results = run_all(args.jobs, args.verbose)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join([
        BEGIN,
        f"Command: `python -m tests.robustness.report --write` ({stamp}; {platform.machine()} "
        f"{platform.system()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{len(cases)} cases, one child process each, address space capped at "
        f"{MEMORY_CAP >> 30} GB, peak above {PEAK_LIMIT >> 20} MB counted as oversize; "
        f"{time.time() - start:.0f} s).",
        "",
        table(cases, results),
        "",
        "Cases not handled clearly on this branch:",
        "",
        not_clear(cases, results),
        END,
    ])
    print(body)
    if args.write:
        doc = REPO / "docs" / "reliability.md"
        text = doc.read_text()
        new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: body, text, flags=re.S)
        doc.write_text(new)
        print(f"wrote {doc.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
