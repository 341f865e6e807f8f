"""The idempotent load's SQL: files from sql/load, rendered for one run in the form the Redshift connector runs.

Glue 4.0+ writes to Redshift with the open-source spark-redshift connector. It takes ``preactions`` and
``postactions`` as one string, ``trim``s it, splits it on every ``;`` and runs each piece on one JDBC connection
with autocommit off (a piece containing ``%s`` first goes through Java's ``String.format`` with the table name),
then COMMITs once after the postactions, or ROLLs BACK on any error. AWS adds that actions must not contain
newlines. So the rendered actions here are one line, carry no comment, no BEGIN/COMMIT, no ``%`` and no ``;``
except between statements. Used by the Glue job and by the tests on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import flights_rules as rules

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,126}$")
STAGE_SQL = "stage_daily_flights.sql"
MERGE_SQL = "merge_daily_flights.sql"
STAGE_TABLE = "stage_daily_flights"
# Statements that would end the connector's own transaction early (its single COMMIT comes after the last action).
TRANSACTION_CONTROL = re.compile(r"^(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b", re.IGNORECASE)


class ActionSqlError(ValueError):
    """A SQL file that cannot be run as connector actions; the message names the file and the statement."""


def render(sql: str, values: Mapping[str, str], source: str) -> str:
    """Fills ``{{name}}`` placeholders; an unknown one is an error naming the file."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{source}: unknown placeholder {{{{{name}}}}} (known: {', '.join(sorted(values))})")
        return values[name]

    return PLACEHOLDER.sub(fill, sql)


def one_line_actions(sql: str, source: str) -> str:
    """A SQL file's statements as one line joined by ';': whole-line ``--`` comments dropped, white space folded.

    Runs on the template, before values are filled in, so a value can never be mistaken for a comment."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    statements = [" ".join(s.split()) for s in re.split(r";[ \t]*$", body, flags=re.MULTILINE)]
    statements = [s for s in statements if s]
    for s in statements:
        problem = (
            "contains ';' inside the statement (the connector would split it there)"
            if ";" in s
            else "contains a comment ('--' or '/*')"
            if "--" in s or "/*" in s
            else "contains '%' (the connector formats pieces containing %s)"
            if "%" in s
            else "controls the transaction (the connector commits once, after the last action)"
            if TRANSACTION_CONTROL.match(s)
            else None
        )
        if problem:
            raise ActionSqlError(f"{source}: statement {s[:60]!r} {problem}")
    return ";".join(statements)


def split_actions(actions: str) -> list[str]:
    """The pieces the connector runs: ``actions.trim.split(";")`` in Scala, whose Java split drops trailing empty
    pieces. The job's own JDBC path splits the same way, so both paths run the same statements."""
    pieces = actions.strip().split(";")
    while pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


def identifier(name: str) -> str:
    if not IDENTIFIER.match(name):
        raise ValueError(f"not a safe lower-case SQL identifier: {name!r}")
    return name


def string_literal(text: str) -> str:
    """A literal Redshift reads back as ``text``: there a backslash in a literal is an escape character, so it is
    doubled (and PostgreSQL reads it the same with ``standard_conforming_strings = off``, as the tests run it)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def load_sql(sql_dir: Path, schema: str, source_files: Iterable[str]) -> tuple[str, str]:
    """(preactions, postactions) for one run. Pre creates an empty staging table; post replaces every processed
    file's rows with the staged ones, so a retried or reprocessed file leaves no duplicates and no stale rows
    (even when the file now has no good row at all: its name is in the DELETE, no row of it is staged)."""
    files = sorted(set(source_files))
    if not files:
        raise ValueError("load_sql needs at least one source file")
    unsafe = [f for f in files if rules.is_unsafe_key(f)]
    if unsafe:
        raise ValueError(f"source file {unsafe[0]!r}: {rules.UNSAFE_KEY_REASON}")
    values = {"schema": identifier(schema), "stage_table": STAGE_TABLE, "source_files": ", ".join(map(string_literal, files))}
    return tuple(render(one_line_actions((sql_dir / name).read_text(), name), values, name) for name in (STAGE_SQL, MERGE_SQL))  # type: ignore[return-value]
