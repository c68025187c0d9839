"""Where the time of one pledge goes, measured in one process with requests interleaved (so the
machine's load weighs on every variant alike): the minimal insert, the pledge endpoint, and the
pledge endpoint with the live fan-out after commit switched off. A diagnostic next to run.py;
the reported ratio is run.py's.

    .venv/bin/python bench/pledges/split.py [requests]
"""

import json
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BACKEND = HERE.parent.parent / "backend"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    workdir = Path(tempfile.mkdtemp(prefix="zc-bench-split-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    os.environ.update(VAR_DIR=str(workdir), DJANGO_SETTINGS_MODULE="bench_settings", EMBEDDED_REDIS_PORT=str(port))
    if os.environ.get("DATABASE_URL"):
        os.environ.setdefault("DATABASE_POOL", "1")  # as run.py and production: connections (and statements) kept
    sys.path[:0] = [str(BACKEND), str(HERE)]
    import django

    django.setup()
    from core import embedded_redis

    redis_proc = embedded_redis.start(port=port, data_dir=workdir / "redis")
    try:
        import bench_data
        from django.test import Client

        from live import services as live_services

        data = bench_data.prepare()
        client = Client(SERVER_NAME="localhost")
        tokens = data["tokens"]
        pledge_path = f"/api/needs/{data['need']}/pledges/"
        send_now, send_batch = live_services.send_now, live_services.send_batch

        cpu = {"minimal": 0.0, "pledge": 0.0, "pledge_without_live": 0.0}

        def post(path: str, body: str, i: int, key: bool, name: str) -> float:
            headers = {"HTTP_AUTHORIZATION": f"Token {tokens[i % len(tokens)]}"}
            if key:
                headers["HTTP_IDEMPOTENCY_KEY"] = f"split-{time.time_ns()}-{i}"
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.post(path, body, content_type="application/json", **headers)
            took = time.perf_counter() - start
            cpu[name] += time.process_time() - start_cpu
            if response.status_code not in (200, 201):
                raise RuntimeError(response.content)
            return took

        totals = {"minimal": 0.0, "pledge": 0.0, "pledge_without_live": 0.0}
        for i in range(n):
            totals["minimal"] += post("/bench/minimal/", "{}", i, False, "minimal")
            totals["pledge"] += post(pledge_path, '{"quantity": 1}', i, True, "pledge")
            live_services.send_now = lambda topic, data: None
            live_services.send_batch = lambda batch: None
            try:
                totals["pledge_without_live"] += post(pledge_path, '{"quantity": 1}', i, True, "pledge_without_live")
            finally:
                live_services.send_now, live_services.send_batch = send_now, send_batch
        ms = {k: round(v / n * 1000, 2) for k, v in totals.items()}
        print(
            json.dumps(
                {
                    "ms_per_request": ms,
                    # Python CPU of this process (the request and the live sender thread), without
                    # the database's and Redis's own CPU: what a web worker spends per request.
                    "process_cpu_ms_per_request": {k: round(v / n * 1000, 2) for k, v in cpu.items()},
                    "ratio": round(ms["minimal"] / ms["pledge"], 2),
                    "ratio_without_live": round(ms["minimal"] / ms["pledge_without_live"], 2),
                    "live_ms_per_pledge": round(ms["pledge"] - ms["pledge_without_live"], 2),
                }
            )
        )
    finally:
        embedded_redis.stop(redis_proc)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
