"""A real PostgreSQL server for the tuning tests: a throwaway cluster on a free localhost port.

Fixtures to import into a test module (not a conftest.py: the tests import the top
conftest's helpers by the name ``conftest``).

The server binaries come from Debian's ``postgresql`` package (``.ci/run`` installs it) or
any ``initdb``/``pg_ctl`` on PATH. The cluster lives in a temporary folder and is stopped
and deleted at the end of the session. PostgreSQL refuses to run as root, so under root the
cluster belongs to the ``postgres`` system user (created by the package) and the server
runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def _binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").is_file() and Path(folder, "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """``postgresql+psycopg://`` URL of a fresh server; skips when it cannot be started."""
    pytest.importorskip("psycopg", reason="psycopg not installed: pip install 'tsrnn[postgres]'")
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: "
                    "apt-get install postgresql (.ci/run does)")
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="tsrnn-pg-"))
    if os.geteuid() == 0:  # postgres refuses root: run it as the package's system user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    log = folder / "server.log"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=120)

    init = run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
               "-E", "UTF8", "--no-sync")
    if init.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"initdb failed:\n{init.stdout}{init.stderr}")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                "-w", "-t", "60", "start")
    if start.returncode:
        text = log.read_text() if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed:\n{start.stdout}{start.stderr}{text}")
    try:
        import psycopg

        for _ in range(50):
            try:
                psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres",
                                autocommit=True).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_db(postgres_url):
    """A new, empty database on the session's server, dropped afterwards."""
    import psycopg

    name = f"t{os.getpid()}_{time.monotonic_ns()}"
    admin = "host=127.0.0.1 port={} user=postgres dbname=postgres".format(
        postgres_url.rsplit(":", 1)[1].split("/")[0])
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with contextlib.suppress(Exception), psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
