"""Real `comments serve` processes for tests that must cross a process boundary (restarts, several
processes sharing one database)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import httpx

COMMENTS = str(Path(sys.executable).with_name("comments"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"comments serve exited with {process.returncode}: {process.stdout.read().decode()}")  # type: ignore[union-attr]
        try:
            if httpx.get(base_url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{base_url} did not come up in {timeout} s")


@contextmanager
def serving(env: dict[str, str], *args: str, port: int | None = None, log: Path | None = None) -> Iterator[str]:
    """Runs `comments serve` with COMMENTS_* variables from `env`; yields its base URL; stops it. The
    server's output goes to a pipe, or appended to `log` when given."""
    port = port or free_port()
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
    with open(log, "ab") if log is not None else nullcontext(subprocess.PIPE) as output:
        process = subprocess.Popen(
            [COMMENTS, "serve", "--port", str(port), *args],
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base_url, process)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
