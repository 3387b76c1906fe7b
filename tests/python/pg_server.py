"""A throwaway PostgreSQL server for the tests that compare the two backends.

`make deps` installs Debian's postgresql-15. The server refuses to run as root, so when the tests
run as root the cluster belongs to the unprivileged `postgres` user that Debian's package creates.
`initdb` writes a new cluster into a temporary directory (UTF-8, the C locale, so text compares
bytewise as crmkit's rules do), the server listens on a Unix socket in that directory only (no TCP
port to collide with anything), and `stop()` shuts it down and removes the directory.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

MIN_VERSION = 15


def server_bin() -> Path | None:
    """The newest installed server's bin directory of version MIN_VERSION or later, if any."""
    found = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        try:
            version = int(Path(d).parent.name)
        except ValueError:
            continue
        if version >= MIN_VERSION and (Path(d) / "initdb").exists():
            found.append((version, Path(d)))
    return max(found)[1] if found else None


class Server:
    """One running cluster; `connect()` opens a psycopg connection to its `postgres` database."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="crmkit-pg-"))
        self.data = self.dir / "data"
        self.port = 5432  # the socket's name; nothing listens on TCP
        self._owner = None
        if os.geteuid() == 0:
            self._owner = pwd.getpwnam("postgres")
            os.chown(self.dir, self._owner.pw_uid, self._owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "crmkit", "--auth=trust", "-E", "UTF8", "--locale=C")
        options = f"-k {self.dir} -c listen_addresses='' -p {self.port} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def _run(self, tool: str, *args: str) -> None:
        def drop_root():
            if self._owner:
                os.setgid(self._owner.pw_gid)
                os.setuid(self._owner.pw_uid)

        # The server's own environment: not the sanitizer runtime a sanitized test run preloads.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "ASAN_", "UBSAN_", "LSAN_"))}
        r = subprocess.run([str(self.bin / tool), *args], preexec_fn=drop_root, capture_output=True, text=True,
                           timeout=120, cwd=self.dir, env=env)
        if r.returncode != 0:
            log = self.dir / "server.log"
            raise RuntimeError(f"{tool} failed ({r.returncode}): {r.stderr.strip()}"
                               + (f"\n{log.read_text()}" if log.exists() else ""))

    def conninfo(self) -> str:
        return f"host={self.dir} port={self.port} user=crmkit dbname=postgres"

    def connect(self):
        import psycopg

        return psycopg.connect(self.conninfo(), autocommit=True)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
