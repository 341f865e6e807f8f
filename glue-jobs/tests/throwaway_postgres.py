"""A PostgreSQL 15 server for one test session: its own data dir, a Unix socket (and, for JDBC, a loopback port
when asked), gone afterwards."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)")
    return found


class ThrowawayPostgres:
    def __init__(self, tcp: bool = False) -> None:
        self.port = _free_port() if tcp else None
        self.root = Path(tempfile.mkdtemp(prefix="pg-"))
        self.data, self.socket = self.root / "data", self.root / "socket"
        self.socket.mkdir()
        # initdb and postgres refuse to run as root: run them as the postgres user then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            pw = pwd.getpwnam("postgres")
            for p in (self.root, self.socket):
                os.chown(p, pw.pw_uid, pw.pw_gid)

    def start(self) -> ThrowawayPostgres:
        subprocess.run([*self.as_user, _binary("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"], check=True, capture_output=True)
        listen = f"-c listen_addresses=127.0.0.1 -p {self.port}" if self.port else "-c listen_addresses=''"
        # As in Redshift, a backslash in a string literal is an escape character.
        opts = f"{listen} -k {self.socket} -c fsync=off -c standard_conforming_strings=off -c escape_string_warning=off"
        subprocess.run(
            [*self.as_user, _binary("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start"], check=True, capture_output=True
        )
        return self

    def stop(self) -> None:
        subprocess.run([*self.as_user, _binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, sql: str, *, single_transaction: bool = False, cwd: Path | None = None) -> str:
        """Runs SQL (psql meta-commands such as \\copy allowed); returns unaligned tuples-only output."""
        args = [
            _binary("psql"),
            "-h",
            str(self.socket),
            *(["-p", str(self.port)] if self.port else []),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-At",
            "-q",
        ]
        if single_transaction:
            args.append("-1")
        result = subprocess.run(args, input=sql, text=True, capture_output=True, cwd=cwd)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def query(self, sql: str) -> list[list[str]]:
        out = self.psql(sql)
        return [line.split("|") for line in out.splitlines()] if out else []

    def like_redshift(self, schema: str, shared_sql: Path) -> None:
        """The tables of ``shared_sql`` made to refuse what Redshift refuses, once they exist: a VARCHAR(n) holds n
        bytes, not characters (a CHECK on octet_length, widths read from the same DDL the rules read), and primary
        keys are informational (dropped, so nothing here relies on them being enforced)."""
        import flights_rules

        for ddl in sorted(shared_sql.glob("*.sql")):
            text = ddl.read_text()
            for table in re.findall(r"CREATE TABLE IF NOT EXISTS \{\{schema\}\}\.(\w+)", text):
                limits = flights_rules.varchar_limits(text)
                checks = [f"ADD CONSTRAINT {column}_bytes CHECK (octet_length({column}) <= {n})" for column, n in limits.items()]
                self.psql(f"ALTER TABLE {schema}.{table} {', '.join([*checks, f'DROP CONSTRAINT IF EXISTS {table}_pkey'])};")

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://127.0.0.1:{self.port}/postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
