"""Statements run over a Glue connection's JDBC from the driver, the way the Redshift connector runs its actions:
one connection, autocommit off, every statement in order, one COMMIT, ROLLBACK on any error.

The job uses it when a run has no good row to write: whether Glue hands an empty frame to the connector is not
documented, and the stale rows of the run's files must go all the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# Driver classes of the JDBC vendors Glue connections name (extract_jdbc_conf's "vendor").
DRIVER_CLASSES = {"redshift": "com.amazon.redshift.jdbc42.Driver", "postgresql": "org.postgresql.Driver"}


def connection_url(conf: Mapping[str, str], database: str) -> str:
    """The JDBC URL with the database: Glue's conf has it in fullUrl, or only host and port in url."""
    url = conf.get("fullUrl") or conf["url"]
    return f"{url.rstrip('/')}/{database}" if re.match(r"^jdbc:\w+://[^/]+/?$", url) else url


def run_in_one_transaction(spark, conf: Mapping[str, str], database: str, statements: Sequence[str]) -> None:
    jvm = spark.sparkContext._jvm
    scheme = re.match(r"^jdbc:(\w+):", conf["url"])
    vendor = conf.get("vendor") or (scheme.group(1) if scheme else None)
    if vendor not in DRIVER_CLASSES:
        raise ValueError(f"JDBC vendor {vendor!r} of the Glue connection is not one of {sorted(DRIVER_CLASSES)}")
    # The driver object itself, not DriverManager: Spark's class loader hides drivers from DriverManager's caller check.
    driver = jvm.java.lang.Thread.currentThread().getContextClassLoader().loadClass(DRIVER_CLASSES[vendor]).newInstance()
    properties = jvm.java.util.Properties()
    properties.setProperty("user", conf["user"])
    properties.setProperty("password", conf["password"])
    connection = driver.connect(connection_url(conf, database), properties)
    try:
        connection.setAutoCommit(False)
        for sql in statements:
            statement = connection.createStatement()
            try:
                statement.execute(sql)
            finally:
                statement.close()
        connection.commit()
    except Exception:
        connection.rollback()
        raise
    finally:
        connection.close()
