"""HTTP service under a bounded, paced load: `policy serve` on loopback, evaluate and explain.

    python3 benchmarks/bench_web.py                       # 50 evaluate/s for 20 s, 10 explain/s for 10 s
    python3 benchmarks/bench_web.py --rate 50 --seconds 30 --json

What is measured (wall clock, `time.perf_counter`, on the client side, keep-alive connections):

- the server is the real entry point, `python -m engine serve --port P` on 127.0.0.1, one process;
- open-loop load: requests are sent on a fixed schedule (`--rate` per second) whatever the
  answers' speed, from a pool of client threads, so that a slow answer cannot hide behind a
  slower sending rate; the latency of a request is from its scheduled time to the end of its
  answer (queueing included);
- evaluate: `POST /v1/evaluate` with the cases of policy/examples in turn (all 13 decisions);
- explain: `POST /v1/explain` of `orientation_organisme` for the same cases (French text,
  Markdown and the JSON tree);
- a closed-loop run (one client, back to back) gives the most requests per second one client
  gets for evaluate.

Every answer must be 200 with a JSON body: any other answer is an error and is counted.
Targets on this 2-core machine: evaluate p95 < 20 ms at 50 requests/s, explain p95 < 150 ms,
zero errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def cases() -> list[dict[str, Any]]:
    out = []
    for path in sorted((ROOT / "policy" / "examples").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        facts = {k: v.isoformat() if isinstance(v, date) else v for k, v in (data.get("facts") or {}).items()}
        out.append({"at": data["at"].isoformat(), "facts": facts})
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/v1/pack")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("policy serve did not start")


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def post(self, path: str, body: bytes) -> bool:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", path, body, {"content-type": "application/json"})
            response = connection.getresponse()
            data = response.read()
            return response.status == 200 and data[:1] == b"{"
        except (OSError, http.client.HTTPException):
            self.local.connection = None
            return False


def paced(client: Client, path: str, bodies: list[bytes], rate: float, seconds: float) -> dict[str, Any]:
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def one(i: int) -> None:
        nonlocal errors
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        ok = client.post(path, bodies[i % len(bodies)])
        elapsed = time.perf_counter() - scheduled
        with lock:
            latencies.append(elapsed)
            errors += not ok

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, range(total)))
    wall = time.perf_counter() - start
    return summary(latencies, errors, wall)


def closed_loop(client: Client, path: str, bodies: list[bytes], seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        errors += not client.post(path, bodies[i % len(bodies)])
        latencies.append(time.perf_counter() - t)
        i += 1
    return summary(latencies, errors, time.perf_counter() - start)


def summary(latencies: list[float], errors: int, wall: float) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {
        "requests": len(latencies),
        "errors": errors,
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * ordered[-1], 2),
        "mean_ms": round(1000 * statistics.fmean(ordered), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50, help="evaluate requests per second (default 50)")
    parser.add_argument("--seconds", type=float, default=20, help="duration of the evaluate run (default 20)")
    parser.add_argument("--explain-rate", type=float, default=10, help="explain requests per second (default 10)")
    parser.add_argument("--explain-seconds", type=float, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    evaluate_bodies = [json.dumps(c).encode() for c in cases()]
    explain_bodies = [json.dumps({**c, "decision": "orientation_organisme"}).encode() for c in cases()]
    port = free_port()
    server = start_server(port)
    try:
        client = Client(port)
        for body in evaluate_bodies + explain_bodies[:3]:  # warm-up: code generation, first traces
            client.post("/v1/evaluate", body) if b'"decision"' not in body else client.post("/v1/explain", body)
        results = {
            "evaluate_paced": paced(client, "/v1/evaluate", evaluate_bodies, args.rate, args.seconds),
            "explain_paced": paced(client, "/v1/explain", explain_bodies, args.explain_rate, args.explain_seconds),
            "evaluate_closed_loop": closed_loop(Client(port), "/v1/evaluate", evaluate_bodies, 5),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
    ok = (
        results["evaluate_paced"]["p95_ms"] < 20
        and results["explain_paced"]["p95_ms"] < 150
        and all(r["errors"] == 0 for r in results.values())
    )
    if args.json:
        print(json.dumps({"targets_met": ok, **results}, indent=2))
    else:
        for name, r in results.items():
            print(
                f"{name:22} {r['requests']:5} req  {r['requests_per_s']:7.1f} req/s  p50 {r['p50_ms']:6.2f} ms  "
                f"p95 {r['p95_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  max {r['max_ms']:6.2f} ms  errors {r['errors']}"
            )
        print("targets (evaluate p95 < 20 ms at 50/s, explain p95 < 150 ms, no error):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
