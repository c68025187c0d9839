"""Live fan-out benchmark (not a test).

N clients, each with two websockets to one ASGI server (uvicorn, over TCP, the real Redis channel
layer): one follows `organiser.<community>` through /ws/live/, the other sits in a bare group at
/ws/bare/ (bench_asgi.py). Changes alternate: an organiser verifies a join request over HTTP
(gunicorn, as in production), and every client measures the latency from the server's commit (the
envelope's `at`) to receipt; then the bench itself sends the same payload with one bare
`group_send` to the bare group (the baseline). Prints p50 / p99 / max, the ratio ours / baseline,
messages lost (must be 0) and out of order, and writes JSON to bench/results/.

    .venv/bin/python bench/live/run.py                       # N = 100 and 1000, PubSub layer
    .venv/bin/python bench/live/run.py --clients 100 --changes 20
"""

import argparse
import asyncio
import itertools
import json
import os
import platform
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BACKEND = ROOT / "backend"
sys.path[:0] = [str(BACKEND), str(HERE), str(ROOT)]

# The platform runs on the PubSub layer only (live.store publishes in its format); the list-based
# core layer measured in earlier runs (bench/README.md) is no longer an option.
BACKENDS = {"pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_open_files_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(needed, 65536)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def summary(latencies: list[float]) -> dict:
    values = sorted(latencies)
    return {
        "samples": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 2),
        "p99_ms": round(percentile(values, 99) * 1000, 2),
        "max_ms": round(values[-1] * 1000, 2) if values else None,
    }


# --- Data -----------------------------------------------------------------------------------------


def prepare(pending_count: int) -> dict:
    """An organiser of one community, `pending_count` join requests waiting, and a session."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import CommunityMembership, User
    from network.models import Community, District, Township

    district = District.objects.create(name="鄞州区")
    community = Community.objects.create(
        township=Township.objects.create(district=district, name="百丈街道"), name="幸福社区"
    )
    organiser = User(username="organiser", display_name="李社工")
    organiser.set_unusable_password()
    organiser.save()
    CommunityMembership.objects.create(user=organiser, community=community, role="organiser", status="verified")
    residents = []
    for i in range(pending_count):
        u = User(username=f"resident{i}", display_name=f"居民{i}")
        u.set_unusable_password()
        residents.append(u)
    User.objects.bulk_create(residents, batch_size=500)
    residents = list(User.objects.filter(username__startswith="resident").order_by("pk"))
    CommunityMembership.objects.bulk_create(
        [CommunityMembership(user=u, community=community, status="pending") for u in residents], batch_size=500
    )
    session = SessionStore()
    session[SESSION_KEY] = str(organiser.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = organiser.get_session_auth_hash()
    session.create()
    memberships = list(
        CommunityMembership.objects.filter(community=community, status="pending")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {"community": community.pk, "session": session.session_key, "memberships": memberships}


# --- Clients --------------------------------------------------------------------------------------


class Socket:
    def __init__(self, ws):
        self.ws = ws
        self.received: list[tuple[int | None, float, float]] = []  # (seq, at, receipt time)
        self.task = asyncio.create_task(self.listen())

    async def listen(self) -> None:
        async for raw in self.ws:
            now = time.time()
            message = json.loads(raw)
            self.received.append((message.get("seq"), message["at"], now))


async def open_sockets(n: int, url: str, host: str, cookie: str | None, first_message: dict | None) -> list[Socket]:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(50)
    headers = {"Cookie": cookie} if cookie else {}

    async def one() -> Socket:
        async with gate:
            ws = await connect(url, origin=f"http://{host}", additional_headers=headers, open_timeout=120)
            if first_message is not None:
                await ws.send(json.dumps(first_message))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 120))
            assert answer["type"] in ("snapshot", "ready"), answer
            return Socket(ws)

    return await asyncio.gather(*(one() for _ in range(n)))


async def close_sockets(sockets: list[Socket]) -> None:
    for s in sockets:
        s.task.cancel()
    await asyncio.gather(*(s.ws.close() for s in sockets), return_exceptions=True)


async def wait_for(sockets: list[Socket], expected: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(len(s.received) < expected for s in sockets):
        await asyncio.sleep(0.02)


def measure(sockets: list[Socket], expected: int) -> dict:
    latencies: list[float] = []
    lost = 0
    out_of_order = 0
    for s in sockets:
        lost += max(0, expected - len(s.received))
        seqs = [seq for seq, _at, _t in s.received]
        out_of_order += sum(1 for a, b in itertools.pairwise(seqs) if b != a + 1)
        latencies.extend(t - at for _seq, at, t in s.received)
    # Per message: how long until the first client had it (the path to the server) and until
    # the last (the fan-out itself).
    by_seq: dict[int, list[float]] = {}
    for s in sockets:
        for seq, at, t in s.received:
            by_seq.setdefault(seq, []).append(t - at)
    first = sorted(min(v) for v in by_seq.values())
    spread = sorted(max(v) - min(v) for v in by_seq.values())
    slowest = [round(max(by_seq[seq]) * 1000, 1) for seq in sorted(by_seq)]
    return {
        **summary(latencies),
        "lost": lost,
        "out_of_order": out_of_order,
        "first_client_p50_ms": round(percentile(first, 50) * 1000, 2),
        "fan_out_spread_p50_ms": round(percentile(spread, 50) * 1000, 2),
        "last_client_ms_per_message": slowest,
    }


# --- One run: N clients, each with a socket on our topic and one on the bare group ----------------


async def run(
    n: int, host: str, http_host: str, data: dict, changes: list[int], layer_config: dict, interval: float, warmup: int
) -> dict:
    """Alternate: one change over HTTP (ours), then one bare group_send of the same payload
    (baseline), so both see the same machine load. The first `warmup` of each are not measured:
    they open the Redis connections in each server process."""
    import requests
    from bench_asgi import BARE_GROUP
    from django.utils.module_loading import import_string

    topic = f"organiser.{data['community']}"
    ours = await open_sockets(
        n,
        f"ws://{host}/ws/live/",
        host,
        f"sessionid={data['session']}",
        {"action": "subscribe", "topic": topic, "last_seq": None},
    )
    bare = await open_sockets(n, f"ws://{host}/ws/bare/", host, None, None)
    layer = import_string(layer_config["BACKEND"])(**layer_config["CONFIG"])
    csrf = secrets.token_hex(16)
    http = requests.Session()
    http.cookies.update({"sessionid": data["session"], "csrftoken": csrf})

    def decide(membership: int) -> int:
        return http.post(
            f"http://{http_host}/organiser/join-requests/{membership}/decide/",
            data={"decision": "verify"},
            headers={"X-CSRFToken": csrf},
            allow_redirects=False,
            timeout=60,
        ).status_code

    for seq, membership in enumerate(changes, start=1):
        if seq == warmup + 1:  # connections are open in every process from here on
            for s in ours + bare:
                s.received.clear()
        status = await asyncio.to_thread(decide, membership)
        assert status == 302, status
        await wait_for(ours, seq if seq <= warmup else seq - warmup, timeout=interval * 10)
        await asyncio.sleep(interval)
        payload = {"type": "join_request_decided", "community": data["community"], "membership": membership}
        text = json.dumps(
            {
                "topic": topic,
                "at": time.time(),
                "seq": seq,
                "epoch": "bench",
                "data": {**payload, "status": "verified"},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        await layer.group_send(BARE_GROUP, {"type": "bare.message", "text": text})
        await wait_for(bare, seq if seq <= warmup else seq - warmup, timeout=interval * 10)
        await asyncio.sleep(interval)
    await wait_for(ours, len(changes) - warmup)
    await wait_for(bare, len(changes) - warmup)
    result = {"ours": measure(ours, len(changes) - warmup), "baseline": measure(bare, len(changes) - warmup)}
    await close_sockets(ours + bare)
    return result


def start_server(kind: str, port: int, env: dict, log_path: Path) -> subprocess.Popen:
    """`asgi`: uvicorn with the websocket routes; `wsgi`: gunicorn for plain HTTP, as in production."""
    log = open(log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
    if kind == "asgi":
        args = ["-m", "uvicorn", "bench_asgi:application", "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log", "--log-level", "warning", "--lifespan", "off"]  # fmt: skip
    else:
        args = ["-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2",
                "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen([sys.executable, *args], cwd=BACKEND, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text(errors="replace"))
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--layers", nargs="+", choices=sorted(BACKENDS), default=["pubsub"])
    parser.add_argument("--changes", type=int, default=30, help="measured changes (messages) per run")
    parser.add_argument("--warmup", type=int, default=3, help="changes before measuring (connections open)")
    parser.add_argument(
        "--interval",
        type=float,
        default=None,
        help="seconds of quiet after each fan-out (default: N / 1000, at least 0.2)",
    )
    parser.add_argument(
        "--http",
        choices=["wsgi", "asgi"],
        default="wsgi",
        help="where the changes are made: gunicorn (production) or the websocket server itself",
    )
    args = parser.parse_args()

    limit = raise_open_files_limit(max(args.clients) * 3 + 256)
    workdir = Path(tempfile.mkdtemp(prefix="zc-bench-live-"))
    redis_port = free_port()
    env = {
        "VAR_DIR": str(workdir),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CHANNEL_LAYER_PREFIX": f"zc-bench-{secrets.token_hex(3)}",
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "PYTHONPATH": os.pathsep.join([str(BACKEND), str(HERE)]),
    }
    os.environ.update(env)

    from core import embedded_redis

    redis_proc = embedded_redis.start(port=redis_port, data_dir=workdir / "redis")
    results = []
    servers: list[subprocess.Popen] = []
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        for app in ("sessions", "accounts"):  # only what the benchmark touches (and their dependencies)
            call_command("migrate", app, verbosity=0)
        data = prepare((args.changes + args.warmup) * len(args.clients) * len(args.layers))
        changes = iter(data["memberships"])
        for layer_name in args.layers:
            port = free_port()
            host = f"127.0.0.1:{port}"
            layer_env = {**os.environ, "BENCH_LAYER": layer_name}
            servers.append(start_server("asgi", port, layer_env, workdir / f"asgi-{layer_name}.log"))
            if args.http == "wsgi":
                http_port = free_port()
                servers.append(start_server("wsgi", http_port, layer_env, workdir / f"wsgi-{layer_name}.log"))
                http_host = f"127.0.0.1:{http_port}"
            else:
                http_host = host
            layer_config = {
                "BACKEND": BACKENDS[layer_name],
                "CONFIG": dict(settings.CHANNEL_LAYERS["default"]["CONFIG"]),
            }
            try:
                for n in args.clients:
                    batch = [next(changes) for _ in range(args.changes + args.warmup)]
                    interval = args.interval if args.interval is not None else max(0.2, n / 1000)
                    measured = asyncio.run(run(n, host, http_host, data, batch, layer_config, interval, args.warmup))
                    ours, baseline = measured["ours"], measured["baseline"]
                    ratio = round(ours["p99_ms"] / baseline["p99_ms"], 2) if baseline["p99_ms"] else None
                    row = {"layer": layer_name, "clients": n, "interval_s": interval, **measured, "p99_ratio": ratio}
                    results.append(row)
                    print(
                        f"{layer_name:6} N={n:5}  ours p50 {ours['p50_ms']:7.1f} p99 {ours['p99_ms']:7.1f} "
                        f"max {ours['max_ms']:7.1f} lost {ours['lost']} disorder {ours['out_of_order']} | "
                        f"baseline p50 {baseline['p50_ms']:7.1f} p99 {baseline['p99_ms']:7.1f} "
                        f"max {baseline['max_ms']:7.1f} lost {baseline['lost']} | p99 ratio {ratio} | first/spread "
                        f"ours {ours['first_client_p50_ms']}/{ours['fan_out_spread_p50_ms']} "
                        f"baseline {baseline['first_client_p50_ms']}/{baseline['fan_out_spread_p50_ms']}",
                        flush=True,
                    )
            finally:
                while servers:
                    stop(servers.pop())
    finally:
        while servers:
            stop(servers.pop())
        embedded_redis.stop(redis_proc)

    out = ROOT / "bench" / "results" / f"live-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "benchmark": "live fan-out: HTTP change -> commit -> websocket clients",
                "when": datetime.now(UTC).isoformat(),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "open_files": limit,
                    "load_average_at_end": os.getloadavg(),
                },
                "changes_per_run": args.changes,
                "servers": "websockets: uvicorn, 1 process; HTTP: "
                + ("gunicorn, 2 workers" if args.http == "wsgi" else "the same uvicorn process"),
                "results": results,
            },
            indent=2,
        )
    )
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
