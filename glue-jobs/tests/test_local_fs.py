"""The local run's file system (local_fs.py, local-fs/PosixLocalFileSystem.java), compiled by the real javac and run
in the tests' JVM (conftest puts its jar on the classpath) and in a local run of its own."""

import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import local_fs
import local_run
import pytest

CLASS_FILE = "airline/local/PosixLocalFileSystem.class"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_class_is_compiled_once_per_source_and_hadoop_into_the_cache(tmp_path):
    jar = local_fs.jar(cache=tmp_path)
    assert jar == local_fs.cached_jar(tmp_path, local_fs.SOURCE, local_fs.hadoop_jars())
    assert zipfile.ZipFile(jar).namelist() == [CLASS_FILE]
    # Cached: no compiler is needed the second time.
    assert local_fs.jar(cache=tmp_path, javac="/nonexistent/javac") == jar


def test_a_new_source_or_hadoop_version_gets_a_jar_of_its_own(tmp_path):
    source = tmp_path / "A.java"
    source.write_text("class A {}")
    jars = [Path("hadoop-client-api-3.3.4.jar")]
    first = local_fs.cached_jar(tmp_path, source, jars)
    assert local_fs.cached_jar(tmp_path, source, jars) == first
    assert local_fs.cached_jar(tmp_path, source, [Path("hadoop-client-api-3.4.0.jar")]) != first
    source.write_text("class A { int x; }")
    assert local_fs.cached_jar(tmp_path, source, jars) != first
    assert first.parent.parent == tmp_path and first.name == "posix-local-fs.jar"


def test_without_javac_the_run_falls_back_to_hadoops_file_system_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(local_fs.shutil, "which", lambda name: None)
    assert local_fs.jar(cache=tmp_path) is None
    err = capsys.readouterr().err
    assert "no javac on PATH" in err and local_fs.FALLBACK_CLASS_NAME in err
    assert list(tmp_path.iterdir()) == []


def test_a_failed_compile_leaves_no_jar_and_says_why(tmp_path, capsys):
    assert local_fs.jar(cache=tmp_path, javac="false") is None
    assert "javac could not compile PosixLocalFileSystem.java (no message)" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.jar"))


def test_a_cache_that_cannot_be_written_falls_back_and_says_where(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    assert local_fs.jar(cache=blocker / "cache") is None
    assert f"could not build it in {blocker / 'cache'}" in capsys.readouterr().err


def test_the_cache_folder_can_be_chosen(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCAL_FS_CACHE", str(tmp_path))
    assert local_fs.default_cache() == tmp_path
    monkeypatch.delenv("LOCAL_FS_CACHE")
    assert local_fs.default_cache() == Path(sys.prefix) / "share" / "airline-local-fs"


def test_without_hadoop_jars_nothing_is_compiled(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(local_fs, "hadoop_jars", lambda: [])
    assert local_fs.jar(cache=tmp_path) is None
    assert "no Hadoop jar in PySpark's jars folder" in capsys.readouterr().err


@pytest.mark.parametrize("octal", ["750", "421", "142", "214", "777", "000", "644"])
def test_permissions_are_those_chmod_would_set(spark, tmp_path, octal):
    jvm = spark._jvm
    fs = jvm.airline.local.PosixLocalFileSystem()
    fs.initialize(jvm.java.net.URI("file:///"), spark._jsc.hadoopConfiguration())
    target = tmp_path / "f"
    target.write_text("")
    fs.setPermission(jvm.org.apache.hadoop.fs.Path(str(target)), jvm.org.apache.hadoop.fs.permission.FsPermission(octal))
    assert mode(target) == int(octal, 8)


def test_new_files_and_folders_get_the_default_permissions_less_the_umask(spark, tmp_path):
    jvm = spark._jvm
    conf = jvm.org.apache.hadoop.conf.Configuration(spark._jsc.hadoopConfiguration())
    conf.set("fs.permissions.umask-mode", "027")
    fs = jvm.airline.local.PosixLocalFileSystem()
    fs.initialize(jvm.java.net.URI("file:///"), conf)
    fs.create(jvm.org.apache.hadoop.fs.Path(str(tmp_path / "a" / "b" / "part-0"))).close()
    fs.mkdirs(jvm.org.apache.hadoop.fs.Path(str(tmp_path / "c")), jvm.org.apache.hadoop.fs.permission.FsPermission("751"))
    assert (mode(tmp_path / "a" / "b" / "part-0"), mode(tmp_path / "c")) == (0o640, 0o750)


def test_the_local_run_writes_through_it_when_it_could_be_built(spark, monkeypatch):
    local_run.spark_session(0)
    assert spark.conf.get("spark.hadoop.fs.file.impl") == local_fs.CLASS_NAME
    monkeypatch.setattr(local_fs, "jar", lambda: None)
    local_run.spark_session(0)
    assert spark.conf.get("spark.hadoop.fs.file.impl") == local_fs.FALLBACK_CLASS_NAME


def test_the_local_runs_session_in_a_jvm_of_its_own_loads_the_class_and_writes_the_usual_permissions(tmp_path):
    """The class path, file system and JVM settings only take effect when the session starts its own JVM."""
    out, classes = tmp_path / "out", tmp_path / "classes.log"
    rows = "range(2).selectExpr('string(id) AS part', 'string(id) AS value')"
    diagnostics = (
        "s._jvm.java.lang.management.ManagementFactory.getPlatformMXBean(s._jvm.java.lang.Class.forName('com.sun.management.HotSpotDiagnosticMXBean'))"
    )
    write = (
        f"import local_run; s = local_run.spark_session({local_run.C1_ONLY_MAX_BYTES}); s.{rows}.write.partitionBy('part').text({str(out)!r}); "
        f"print({diagnostics}.getVMOption('TieredStopAtLevel').getValue())"
    )
    # The JVM logs the classes it loads: the file system's must be among them. (Options set through
    # defaultJavaOptions, which the session's extraJavaOptions add to, not replace.)
    java_options = f"--conf spark.driver.defaultJavaOptions=-Xlog:class+load=info:file={classes} pyspark-shell"
    env = {**os.environ, "SPARK_MASTER": "local[1]", "SPARK_DRIVER_MEMORY": "512m", "PYSPARK_SUBMIT_ARGS": java_options}
    result = subprocess.run([sys.executable, "-c", write], capture_output=True, text=True, env=env, cwd=Path(local_run.__file__).parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f" {local_fs.CLASS_NAME} source: file:" in classes.read_text()
    # A run over that much new input compiles with C1 alone (see local_run.jvm_settings).
    assert result.stdout.split() == ["1"]
    parts = sorted(out.glob("part=*/part-*"))
    assert [p.parent.name for p in parts] == ["part=0", "part=1"]
    # Hadoop's defaults less its umask 022, whatever the process's umask: files 0644, folders 0755.
    assert [mode(p) for p in parts] + [mode(p.parent) for p in parts] == [0o644, 0o644, 0o755, 0o755]
