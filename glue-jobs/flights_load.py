"""The idempotent load's SQL: files from sql/load, rendered for one run.

Used by the Glue job (as pre/postactions of the Redshift write) and by the tests on PostgreSQL.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,126}$")
STAGE_SQL = "stage_daily_flights.sql"
MERGE_SQL = "merge_daily_flights.sql"
STAGE_TABLE = "stage_daily_flights"


def render(sql: str, values: Mapping[str, str], source: str) -> str:
    """Fills ``{{name}}`` placeholders; an unknown one is an error naming the file."""
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{source}: unknown placeholder {{{{{name}}}}} (known: {', '.join(sorted(values))})")
        return values[name]
    return PLACEHOLDER.sub(fill, sql)


def identifier(name: str) -> str:
    if not IDENTIFIER.match(name):
        raise ValueError(f"not a safe lower-case SQL identifier: {name!r}")
    return name


def string_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_sql(sql_dir: Path, schema: str, source_files: Iterable[str]) -> tuple[str, str]:
    """(stage, merge) SQL for one run: stage creates an empty staging table; merge replaces every processed
    file's rows with the staged ones in one transaction, so a retried or reprocessed file leaves no duplicates
    and no stale rows (even when the file now has no good row at all)."""
    files = sorted(set(source_files))
    if not files:
        raise ValueError("load_sql needs at least one source file")
    values = {"schema": identifier(schema), "stage_table": STAGE_TABLE, "source_files": ", ".join(map(string_literal, files))}
    return tuple(render((sql_dir / name).read_text(), values, name) for name in (STAGE_SQL, MERGE_SQL))  # type: ignore[return-value]
