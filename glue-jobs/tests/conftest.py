import os
import sys
from pathlib import Path

import pytest

GLUE_JOBS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(GLUE_JOBS), str(GLUE_JOBS / "tests")]
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
# mutmut (scripts/tooling/mutation/mutmut.mjs) sets this before pytest imports anything, in every one of its runs.
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ


def postgres_jdbc_jar() -> str:
    jar = Path(os.environ.get("POSTGRES_JDBC_JAR", "/usr/share/java/postgresql.jar"))
    if not jar.exists():
        raise RuntimeError(f"{jar} not found: install PostgreSQL's JDBC driver (Debian: apt-get install libpostgresql-jdbc-java) or set POSTGRES_JDBC_JAR")
    return str(jar)


@pytest.fixture(scope="session")
def spark():
    import flights_rules
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("glue-job-tests")
        .config("spark.ui.enabled", "false")
        # Every test's data is tiny: one task per shuffle (the header aggregate, the counts) instead of one per
        # partition; the suite ran about 7% faster.
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        # PostgreSQL's JDBC driver (Debian: libpostgresql-jdbc-java) for the Redshift connector stand-in.
        .config("spark.driver.extraClassPath", postgres_jdbc_jar())
        # Under mutmut every mutant's forked process leaves the objects it made in the shared JVM (a forked py4j
        # client never releases them): with the default 1 GB the heap fills after a few hundred mutants and the JVM
        # spends its time collecting garbage, so every later mutant times out.
        .config("spark.driver.memory", "12g" if UNDER_MUTMUT else "1g")
        # The status store keeps the plans and metrics of the last 1000 queries, jobs and stages: over hundreds of
        # mutants that is gigabytes. Nothing here reads them.
        .config("spark.sql.ui.retainedExecutions", "10")
        .config("spark.ui.retainedJobs", "10")
        .config("spark.ui.retainedStages", "10")
        .config("spark.ui.retainedTasks", "1000")
        # The JVM's first compiler (C1) alone: every test's data is tiny, and C2 took a fifth of this suite's CPU for
        # no gain in its time. Under mutmut the JVM serves hundreds of mutants: C2 pays off there.
        .config(map={} if UNDER_MUTMUT else {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"})
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    flights_rules.configure_session(session)
    if UNDER_MUTMUT:
        # What earlier mutants left in the shared JVM: a job still running after its tests were killed at their
        # timeout, query listeners (never removed: a forked py4j client releases nothing) and their cached frames.
        # Left there, they slow every later mutant until all time out.
        session.sparkContext.cancelAllJobs()
        session._jsparkSession.listenerManager().clear()
        session.catalog.clearCache()
    yield session
    # Under mutmut (scripts/tooling/mutation/mutmut.mjs) the session outlives the test run: each mutant's tests run in a
    # process forked from this one and keep using it, one at a time, instead of starting a JVM per mutant.
    if not UNDER_MUTMUT:
        session.stop()
    else:
        session.catalog.clearCache()  # what this run cached, or the shared JVM fills up over hundreds of mutants


@pytest.fixture(scope="session")
def airports(spark):
    """The real BTS airport file (CRLF), read and normalized as the local run does."""
    import flights_transform
    from vega_flights import AIRPORTS_FILE

    return flights_transform.normalize_airports(spark.read.option("header", True).csv(str(AIRPORTS_FILE)), str(AIRPORTS_FILE)).cache()


def lines_df(spark, files: dict):
    """A raw-lines DataFrame from {object key: file text}, split like Spark's text reader (\\n, \\r\\n)."""
    rows = [(key, line) for key, text in files.items() for line in text.replace("\r\n", "\n").split("\n")[: -1 if text.endswith("\n") else None]]
    return spark.createDataFrame(rows, "source_file string, value string")
