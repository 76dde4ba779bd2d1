"""A throwaway PostgreSQL cluster from the installed binaries, for tests and benchmarks.

``initdb`` in a temporary folder, ``postgres`` on a unix socket in that folder (no TCP), password
authentication (scram) for every role. Run as root, the cluster belongs to an unprivileged user
(``nobody``): initdb and postgres refuse root. The server dies with the process that started it
(PR_SET_PDEATHSIG), and ``stop()`` also runs at exit, so a killed test run leaves nothing running.
"""

from __future__ import annotations

import atexit
import ctypes
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "posadmin"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries here, or the cluster would not start."""


def find_bindir() -> Path:
    """Where initdb, pg_ctl and postgres live: $POS_TUI_PG_BIN, pg_config --bindir, the
    distribution's /usr/lib/postgresql/*/bin (newest first), else PATH."""
    candidates: list[str] = []
    if os.environ.get("POS_TUI_PG_BIN"):
        candidates.append(os.environ["POS_TUI_PG_BIN"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                             timeout=10).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2] or 0)
                         if p.split("/")[-2].isdigit() else 0, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for folder in candidates:
        if folder and all((Path(folder) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    raise PostgresUnavailable("PostgreSQL binaries (initdb, pg_ctl, postgres) not found; install the "
                              "distribution's postgresql package or set POS_TUI_PG_BIN")


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class ThrowawayCluster:
    def __init__(self, *, durable: bool = False, settings: dict[str, str] | None = None,
                 parent: Path | None = None) -> None:
        """The cluster's folder is made in ``parent`` (default: the system's temporary folder)."""
        self.bindir = find_bindir()
        self.durable = durable
        self.settings = settings or {}
        self.password = secrets.token_urlsafe(18)
        self.folder = Path(tempfile.mkdtemp(prefix="pos-tui-pg-", dir=parent))
        self.data = self.folder / "data"
        self.socket_dir = self.folder
        self.process: subprocess.Popen | None = None
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("nobody")
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self.passfile = self.folder / "admin.pgpass"
        atexit.register(self.destroy)

    # -- running things as the cluster's owner

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **self._as_owner())
        if result.returncode != 0:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")

    def _as_owner(self) -> dict:
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": [],
                "env": dict(os.environ, HOME=str(self.folder))}

    def init(self) -> "ThrowawayCluster":
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        if self.user is not None:
            os.chown(pwfile, self.user.pw_uid, self.user.pw_gid)
        pwfile.chmod(0o600)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8",
                  "--locale=C", "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                  f"--pwfile={pwfile}", "--no-sync", "--no-instructions")
        pwfile.unlink()
        self.passfile.write_text(f"*:*:*:{SUPERUSER}:{self.password}\n")
        self.passfile.chmod(0o600)
        return self

    def start(self, timeout: float = 30) -> "ThrowawayCluster":
        options = {"listen_addresses": "", "unix_socket_directories": str(self.socket_dir),
                   "max_connections": "120", "shared_buffers": "128MB"}
        if not self.durable:
            # No fsync (a throwaway survives no power cut), but every commit is written before it is
            # acknowledged: a test that kills the server (-m immediate) must lose nothing acknowledged.
            options.update(fsync="off", full_page_writes="off")
        options.update(self.settings)
        args = [str(self.bindir / "postgres"), "-D", str(self.data)]
        for key, value in options.items():
            args += ["-c", f"{key}={value}"]
        log = open(self.folder / "postgres.log", "ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent, **self._as_owner())
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PostgresUnavailable(f"postgres exited: {self.log_tail()}")
            if (self.socket_dir / ".s.PGSQL.5432").exists() and self._accepts():
                return self
            time.sleep(0.05)
        raise PostgresUnavailable(f"postgres did not start in {timeout:g} s: {self.log_tail()}")

    def _accepts(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.url("postgres"), passfile=str(self.passfile), connect_timeout=2).close()
            return True
        except psycopg.OperationalError:
            return False

    def log_tail(self) -> str:
        try:
            return (self.folder / "postgres.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@/{dbname}?host={self.socket_dir}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new database (a copy of ``template``, a database nobody is connected to, if given);
        returns its URL."""
        import psycopg

        copy_of = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.url("postgres"), passfile=str(self.passfile), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy_of}')
        return self.url(name)

    def stop_immediately(self) -> None:
        """What a crash looks like to clients: ``pg_ctl stop -m immediate``."""
        if self.process is None or self.process.poll() is not None:
            return
        self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w")
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
