"""Pledge-creation benchmark (see bench/README.md).

Loads POST /api/needs/<id>/pledges/ (token-authenticated residents, an Idempotency-Key per
request, some client retries, all pledges to one hot need) with wrk, and in the same run a
minimal DRF endpoint that inserts one row through the ORM on the same gunicorn server. Reports
req/s, p50/p99 and ours/minimal, then checks stored pledges and the need's counters against
what the server acknowledged.

    .venv/bin/python bench/pledges/run.py [--duration 15] [--connections 16] [--workers 4]

SQLite (the embedded default) unless DATABASE_URL is set, e.g.
DATABASE_URL=postgres://user:pass@127.0.0.1/zc_bench .venv/bin/python bench/pledges/run.py
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BACKEND = ROOT / "backend"
RESULTS = HERE.parent / "results"
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - local server
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"server did not come up at {url}")


def run_wrk(
    wrk: str, url: str, path: str, *, duration: int, connections: int, tokens: list[str], body: str, repeat_every: int
) -> dict:
    env = {
        **os.environ,
        "BENCH_PATH": path,
        "BENCH_TOKENS": ",".join(tokens),
        "BENCH_BODY": body,
        "BENCH_REPEAT_EVERY": str(repeat_every),
        "BENCH_RUN": f"{time.time_ns():x}",
    }
    # One load-generator thread: on a 2-core machine the server needs the other core and more.
    out = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(HERE / "pledge.lua"), url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"BENCH_JSON (\{.*\})", out)
    if not match:
        raise RuntimeError(out)
    return json.loads(match.group(1))


def start_server(env: dict, workers: int, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    gunicorn = str(Path(PY).with_name("gunicorn"))
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                gunicorn,
                "config.wsgi:application",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/api/campaigns/")
    return server, base


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat-every", type=int, default=20, help="re-send the previous key every Nth request")
    args = parser.parse_args()

    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="zc-bench-pledges-"))
    redis_port = free_port()
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    env = {
        **os.environ,
        "VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(BACKEND), str(HERE)]),
        "EMBEDDED_REDIS_PORT": str(redis_port),
        "LOG_LEVEL": "WARNING",
    }
    if database == "postgresql":
        env.setdefault("DATABASE_POOL", "1")
    os.environ.update(env)
    sys.path[:0] = [str(BACKEND), str(HERE)]
    from core import embedded_redis

    redis_proc = embedded_redis.start(port=redis_port, data_dir=workdir / "redis")
    server = None
    try:
        data = json.loads(
            subprocess.run(
                [PY, str(HERE / "bench_data.py"), "prepare"], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        pledge_path = f"/api/needs/{data['need']}/pledges/"
        common = {"connections": args.connections, "tokens": data["tokens"]}
        acked = {"created_201": 0, "repeat_200": 0}
        plan = (
            ("minimal", "/bench/minimal/", "{}", 0),
            ("pledge", pledge_path, '{"quantity": 1}', args.repeat_every),
        )

        def measure(base: str, rounds_n: int, warmup: int) -> dict[str, list[dict]]:
            # Alternate the two endpoints over several rounds, so a change in the machine's load
            # during the run does not favour either side.
            got: dict[str, list[dict]] = {"minimal": [], "pledge": []}
            for round_no in range(rounds_n + (1 if warmup else 0)):
                for name, path, body, repeat in plan:
                    seconds = warmup if warmup and round_no == 0 else args.duration
                    res = run_wrk(wrk, base, path, duration=seconds, body=body, repeat_every=repeat, **common)
                    if name == "pledge":
                        for k in acked:
                            acked[k] += res[k]
                    if not (warmup and round_no == 0):
                        got[name].append(res)
            return got

        def median(rs: list[dict]) -> dict:
            return sorted(rs, key=lambda r: r["rps"])[len(rs) // 2]

        server, base = start_server(env, args.workers, workdir / "gunicorn.log")
        try:
            rounds = measure(base, args.rounds, args.warmup)
        finally:
            stop_server(server)
        server = None
        runs = {name: median(rs) for name, rs in rounds.items()}
        stored = json.loads(
            subprocess.run(
                [PY, str(HERE / "bench_data.py"), "verify", str(data["need"])],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        # A request still in flight when wrk stops may be stored without wrk seeing the answer,
        # so up to `connections` extra rows per wrk run are not duplicates.
        in_flight_allowance = (args.rounds + 1) * args.connections
        lost = max(0, acked["created_201"] - stored["stored_pledges"])
        extra = stored["stored_pledges"] - acked["created_201"]
        duplicated = stored["duplicate_keys"] + max(0, extra - in_flight_allowance)
        result = {
            "benchmark": "pledges",
            "database": database,
            "server": f"gunicorn sync x{args.workers}",
            "load": f"wrk -t1 -c{args.connections} -d{args.duration}s x {args.rounds} rounds, median round",
            "rounds": rounds,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "minimal": runs["minimal"],
            "pledge": runs["pledge"],
            "ratio_rps": round(runs["pledge"]["rps"] / runs["minimal"]["rps"], 3),
            "goal_ratio": 0.70,
            "check": {
                **stored,
                "acknowledged_new": acked["created_201"],
                "acknowledged_repeats": acked["repeat_200"],
                "counters_match_rows": stored["need_pledged_total"] == stored["stored_quantity"]
                and stored["need_pledge_count"] == stored["stored_pledges"],
                "lost": lost,
                "duplicated": duplicated,
            },
        }
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"pledges-{database}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        m, p = runs["minimal"], runs["pledge"]
        print(
            f"minimal: {m['rps']:.0f} req/s  p50 {m['p50_ms']:.1f} ms  p99 {m['p99_ms']:.1f} ms  non-2xx {m['other_status']}"
        )
        print(
            f"pledge:  {p['rps']:.0f} req/s  p50 {p['p50_ms']:.1f} ms  p99 {p['p99_ms']:.1f} ms  non-2xx {p['other_status']}"
        )
        print(f"ratio pledge/minimal: {result['ratio_rps']:.2f} (goal ≥ 0.70)")
        print(f"check: {json.dumps(result['check'], ensure_ascii=False)}")
        print(f"written to {out.relative_to(ROOT)}")
        ok = result["check"]["counters_match_rows"] and lost == 0 and duplicated == 0
        return 0 if ok else 1
    finally:
        if server is not None:
            stop_server(server)
        embedded_redis.stop(redis_proc)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
