"""A throwaway PostgreSQL cluster of its own: for the faults that need a database to restart.

Tests and benchmarks that stop, restart or kill a database never touch the shared server: they
``initdb`` a cluster in a temporary directory, on a free port of 127.0.0.1 with its socket in
that directory, and remove it afterwards. PostgreSQL refuses to run as root, so when we are root
its commands run as the ``postgres`` user, who then owns the directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def server_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, when PostgreSQL's server is installed."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return candidates[0].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateCluster:
    """One cluster: ``start()``, ``stop()``, ``restart()``, ``kill()``; ``url`` for the bot."""

    def __init__(self, root: Path, port: int, settings: dict[str, str] | None = None) -> None:
        binaries = server_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        self.bin = binaries
        self.root = root
        self.data = root / "data"
        self.port = port
        self.settings = dict(settings or {})
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off"
        )
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextlib.contextmanager
def private_cluster(**settings: str) -> Iterator[PrivateCluster]:
    """A started cluster (``settings``: server settings such as ``max_connections="5"``),
    stopped and removed on exit."""
    root = Path(tempfile.mkdtemp(prefix="fwd-pg-"))
    try:
        cluster = PrivateCluster(root, _free_port(), settings)
        cluster.init()
        cluster.start()
        try:
            yield cluster
        finally:
            if cluster.running():
                with contextlib.suppress(subprocess.SubprocessError):
                    cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
