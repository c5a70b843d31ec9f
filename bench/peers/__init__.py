"""Peer libraries, each timed in its own process by :func:`bench.harness.run_peer`.

A peer module runs ``peer_main(run)``: it reads one JSON argument, times the workload with the
same warm-up and repeat rules as the harness, and prints one JSON object. A missing library gives
``{"unavailable": "reason"}`` so the bench prints "n/a" instead of failing.
"""
