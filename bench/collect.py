"""Rebuild ``bench/RESULTS.md``: the goal summary (``bench/summary.md``, written by hand after a
run) followed by every full-run table in ``bench/results/`` (``*_quick.md`` files are left out).

Run ``python -m bench.collect`` after any ``python -m bench.<name>``.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["kernels", "kernels_threads", "classic", "rashid", "nielsen", "nielsen_784_100_10",
         "mlp", "convnet"]


def tables() -> list[Path]:
    found = {p.stem: p for p in (HERE / "results").glob("*.md") if not p.stem.endswith("_quick")}
    ordered = [found.pop(name) for name in ORDER if name in found]
    return ordered + [found[k] for k in sorted(found)]


def main() -> None:
    parts = [(HERE / "summary.md").read_text(encoding="utf-8").rstrip(), "",
             "# Detailed tables", "",
             "Each table states the command that produced it, the date and the machine.", ""]
    for path in tables():
        parts += [f"<!-- from bench/results/{path.name} -->",
                  path.read_text(encoding="utf-8").rstrip(), ""]
    (HERE / "RESULTS.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'} from {len(tables())} tables")


if __name__ == "__main__":
    main()
