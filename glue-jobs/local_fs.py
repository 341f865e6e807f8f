"""The local run's Hadoop file system for ``file:`` paths: local-fs/PosixLocalFileSystem.java, compiled on first use.

Without Hadoop's native library (PySpark ships none) Hadoop's RawLocalFileSystem sets the permissions of every file
and folder it creates by running ``chmod`` in a new process: writing two fragments per source file spawned about
1,100 processes over 181 files, about 2 s of a 15 s run. The Java class sets the same permissions through java.nio.
It is compiled with the machine's ``javac`` against PySpark's Hadoop jar, once per source and Hadoop version, into
the Python environment. Without ``javac`` the run uses RawLocalFileSystem, says so once on stderr, and is slower.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CLASS_NAME = "airline.local.PosixLocalFileSystem"
FALLBACK_CLASS_NAME = "org.apache.hadoop.fs.RawLocalFileSystem"
SOURCE = Path(__file__).resolve().parent / "local-fs" / "PosixLocalFileSystem.java"


def hadoop_jars() -> list[Path]:
    """PySpark's Hadoop client jars (the API the class is compiled against)."""
    import pyspark

    home = Path(os.environ.get("SPARK_HOME") or Path(pyspark.__file__).parent)
    return sorted((home / "jars").glob("hadoop-client-*.jar"))


def cached_jar(cache: Path, source: Path, jars: list[Path]) -> Path:
    """Where the jar of this source compiled against these jars lives: a new source or Hadoop, a new jar."""
    key = hashlib.sha256(source.read_bytes() + "\n".join(j.name for j in jars).encode()).hexdigest()[:16]
    return cache / key / "posix-local-fs.jar"


def default_cache() -> Path:
    """LOCAL_FS_CACHE, or a folder of the Python environment (rebuilt with it)."""
    return Path(os.environ.get("LOCAL_FS_CACHE") or Path(sys.prefix) / "share" / "airline-local-fs")


def jar(cache: Path | None = None, javac: str | None = None) -> Path | None:
    """The compiled class's jar, built when missing; None (and a note on stderr) when it cannot be built."""
    jars = hadoop_jars()
    target = cached_jar(cache or default_cache(), SOURCE, jars)
    if target.exists():
        return target
    compiler = javac or shutil.which("javac")
    if compiler is None:
        problem = "no javac on PATH"
    elif not jars:
        problem = "no Hadoop jar in PySpark's jars folder"
    else:
        try:
            problem = build(compiler, SOURCE, jars, target)
        except OSError as error:  # a cache folder that cannot be written, a javac that cannot run
            problem = f"could not build it in {target.parent} ({error})"
    if problem is None:
        return target
    print(f"local run: {problem}: files are written through {FALLBACK_CLASS_NAME}, one chmod process per file and folder (slower)", file=sys.stderr)
    return None


def spark_settings() -> dict[str, str]:
    """The session settings that write ``file:`` paths through the class, or through Hadoop's raw local file system
    when it could not be built (both leave no checksum file beside each output file)."""
    built = jar()
    if built is None:
        return {"spark.hadoop.fs.file.impl": FALLBACK_CLASS_NAME}
    return {"spark.hadoop.fs.file.impl": CLASS_NAME, "spark.driver.extraClassPath": str(built)}


def build(javac: str, source: Path, jars: list[Path], target: Path) -> str | None:
    """Compiles SOURCE into the jar TARGET (written whole or not at all); returns what went wrong, or None."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        classes = Path(work) / "classes"
        argv = [javac, "--release", "17", "-nowarn", "-d", str(classes), "-cp", os.pathsep.join(map(str, jars)), str(source)]
        compiled = subprocess.run(argv, capture_output=True, text=True)
        if compiled.returncode != 0:
            last = (compiled.stderr.strip().splitlines() or ["no message"])[-1]
            return f"javac could not compile {source.name} ({last})"
        partial = Path(work) / target.name
        with zipfile.ZipFile(partial, "w") as archive:
            for path in sorted(classes.rglob("*.class")):
                archive.write(path, path.relative_to(classes).as_posix())
        os.replace(partial, target)
    return None
