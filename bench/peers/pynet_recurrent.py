"""pynet's side of ``bench/recurrent_interleaved.py``, in its own process (as the PyTorch peer).

Argument (JSON): ``{"cases": [[cell, batch, steps, features, units], ...], "repeat": 3}``.
Prints ``{"timings": {"cell,b,t,f,u": {...}}, "version": "pynet <backend>"}``.
"""
from __future__ import annotations

from bench.harness import peer_main


def run(args: dict) -> dict:
    import pynet.kernels as kernels
    from bench.recurrent import pynet_case

    out = {}
    for cell, b, t, f, u in args["cases"]:
        out[f"{cell},{b},{t},{f},{u}"] = pynet_case(cell, b, t, f, u, args.get("repeat", 3)).to_json()
    return {"timings": out, "version": f"pynet ({kernels.BACKEND})"}


if __name__ == "__main__":
    peer_main(run)
