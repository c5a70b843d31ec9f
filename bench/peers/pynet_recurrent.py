"""pynet's side of ``bench/recurrent_interleaved.py``, in its own process (as the PyTorch peer).

Argument (JSON): ``{"cases": [[cell, batch, steps, features, units], ...], "repeat": 3,
"airline": false}`` (``airline``: also ``train_on_batch`` and ``fit(batch_size=1)`` per sample of
the airline model, keys ``airline`` and ``airline_fit``).
Prints ``{"timings": {"cell,b,t,f,u": {...}, ...}, "version": "pynet <backend>"}``.
"""
from __future__ import annotations

from bench.harness import peer_main


def run(args: dict) -> dict:
    import pynet.kernels as kernels
    from bench.recurrent import pynet_airline, pynet_airline_fit, pynet_case

    out = {}
    for cell, b, t, f, u in args["cases"]:
        out[f"{cell},{b},{t},{f},{u}"] = pynet_case(cell, b, t, f, u, args.get("repeat", 3)).to_json()
    if args.get("airline"):
        out["airline"] = pynet_airline(args.get("repeat", 3)).to_json()
        out["airline_fit"] = pynet_airline_fit(args.get("repeat", 3)).to_json()
    return {"timings": out, "version": f"pynet ({kernels.BACKEND})"}


if __name__ == "__main__":
    peer_main(run)
