"""The local run: incremental like job bookmarks, replacing a reprocessed file's rows in table and quarantine."""

import csv
import io
import os
from collections import Counter

import flights_transform as transform
import local_run
import vega_flights

HEADER = vega_flights.HEADER


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def run(tmp_path, capsys):
    local_run.main(["--data", str(tmp_path / "data"), "--state", str(tmp_path / "state"), "--out", str(tmp_path / "out")])
    return __import__("json").loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_incremental_runs_process_only_new_or_modified_files_and_replace_their_rows(spark, tmp_path, capsys):
    data = tmp_path / "data"
    vega_flights.copy_airports(data)
    days = vega_flights.days_from_20k(3)
    vega_flights.write_days(data, days, crlf=True)
    (data / "daily_flights" / "README.txt").write_text("not data")
    (data / "daily_flights" / "loose.csv").write_text(f"{HEADER}\nAA,10299,10165,1,2\n")

    first = run(tmp_path, capsys)
    assert first["files_processed"] == 4 and first["files_ignored"] == 1
    assert first["rows_in"] == sum(len(r) for r in days.values()) + 1
    table, quarantine = read_csv(tmp_path / "out" / "daily_flights_processed.csv"), read_csv(tmp_path / "out" / "quarantine.csv")
    assert tuple(table[0])[:10] == transform.FACT_COLUMNS[:10]
    assert list(quarantine[0]) == ["source_file", "line", "reason", "flight_date", "quarantined_at"]
    assert (len(table), len(quarantine)) == (first["rows_loaded"], first["rows_quarantined"])
    assert [q["reason"] for q in quarantine if q["source_file"] == "daily_flights/loose.csv"] == [
        "no date partition: the file is not in a date=YYYY-MM-DD/ folder (or the date is not a real day)"
    ]
    assert not any("\r" in v for row in table + quarantine for v in row.values())

    day1, day2, day3 = sorted(days)
    day1_rows = sorted(tuple(r.values()) for r in table if day1 in r["source_file"])
    assert day1_rows
    out_files = [tmp_path / "out" / n for n in ("daily_flights_processed.csv", "quarantine.csv")]
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in out_files]
    before_table = table
    second = run(tmp_path, capsys)
    assert second == {"files_processed": 0, "files_ignored": 0, "rows_in": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_filtered": 0, "files": []}
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in out_files] == before

    changed = data / "daily_flights" / f"date={day2}" / "flights.csv"
    changed.write_text(f"{HEADER}\nZZ,10299,10165,,\nZZ,10299,10165,12.5,0\n")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    emptied = data / "daily_flights" / f"date={day3}" / "flights.csv"
    emptied.write_text(f"{HEADER}\n")
    third = run(tmp_path, capsys)
    assert (third["files_processed"], third["rows_in"], third["rows_loaded"], third["rows_quarantined"]) == (2, 2, 1, 1)

    table, quarantine = read_csv(tmp_path / "out" / "daily_flights_processed.csv"), read_csv(tmp_path / "out" / "quarantine.csv")
    by_file = Counter(r["source_file"] for r in table)
    assert by_file[f"daily_flights/date={day2}/flights.csv"] == 1
    assert f"daily_flights/date={day3}/flights.csv" not in by_file
    assert sorted(tuple(r.values()) for r in table if day1 in r["source_file"]) == day1_rows  # untouched files keep their rows
    assert len(table) == first["rows_loaded"] - len([r for r in before_table if day2 in r["source_file"] or day3 in r["source_file"]]) + 1
    [new_row] = [r for r in table if r["source_file"].endswith(f"{day2}/flights.csv")]
    assert (new_row["carrier"], new_row["dep_delay"], new_row["arr_delay"], new_row["flight_date"]) == ("ZZ", "", "", day2)
    assert [q["line"] for q in quarantine if day2 in q["source_file"]] == ["ZZ,10299,10165,12.5,0"]
    assert not [q for q in quarantine if day3 in q["source_file"]]


def test_without_out_only_the_state_is_written_and_out_comes_when_asked(spark, tmp_path, capsys):
    import json

    data = tmp_path / "data"
    vega_flights.copy_airports(data)
    vega_flights.write_days(data, vega_flights.days_from_20k(1))
    local_run.main(["--data", str(data), "--state", str(tmp_path / "state")])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["files_processed"] == 1 and not (tmp_path / "out").exists()
    fragments = list((tmp_path / "state" / "loaded").glob("*.csv"))
    assert len(fragments) == 1 and len(fragments[0].read_text().splitlines()) == summary["rows_loaded"]
    # Nothing new, but OUT asked for and missing: the export alone, with the header.
    assert run(tmp_path, capsys)["files_processed"] == 0
    assert len(read_csv(tmp_path / "out" / "daily_flights_processed.csv")) == summary["rows_loaded"]


def test_a_data_folder_without_daily_flights_says_where_it_looked(tmp_path):
    import pytest

    vega_flights.copy_airports(tmp_path / "data")
    with pytest.raises(SystemExit, match=r"local run: no flights folder .*data/daily_flights \(expected daily_flights/ under --data "):
        local_run.main(["--data", str(tmp_path / "data"), "--state", str(tmp_path / "state")])


def test_object_keys_come_back_exact_from_spark_file_uris_once_per_file(spark, tmp_path, capsys):
    """Spark names a file by a percent-encoded URI; the key is derived from it per file (not per line)."""
    import flights_rules as rules

    data = tmp_path / "data"
    vega_flights.copy_airports(data)
    day = data / "daily_flights" / "date=2001-01-15"
    day.mkdir(parents=True)
    plain, unsafe = "a b+c é.csv", "x%41y.csv"
    for name in (plain, unsafe):
        (day / name).write_text(f"{HEADER}\nAA,10299,10165,1,2\nAA,10299,10165,3,4\n")
    summary = run(tmp_path, capsys)
    keys = [f"daily_flights/date=2001-01-15/{n}" for n in (plain, unsafe)]
    assert summary["files"] == sorted(keys) and summary["rows_loaded"] == 2 and summary["rows_quarantined"] == 2
    table, quarantine = read_csv(tmp_path / "out" / "daily_flights_processed.csv"), read_csv(tmp_path / "out" / "quarantine.csv")
    assert {(r["source_file"], r["flight_date"]) for r in table} == {(keys[0], "2001-01-15")}
    assert {(r["source_file"], r["reason"]) for r in quarantine} == {(keys[1], rules.UNSAFE_KEY_REASON)}
    assert sorted(p.name for p in (tmp_path / "state" / "loaded").glob("*.csv")) == sorted(f"{rules.source_id(k)}.csv" for k in keys)


def test_files_without_their_contract_header_are_quarantined_whole_by_the_local_run_too(spark, tmp_path, capsys):
    """The local run bets that every file has its header (one pass); a file without one, or with a bad one, makes
    it classify again with the header facts aggregated first, so those files' rows are quarantined whole."""
    data = tmp_path / "data"
    vega_flights.copy_airports(data)
    day = data / "daily_flights" / "date=2001-01-15"
    day.mkdir(parents=True)
    row = "AA,10299,10165,1,2\n"
    (day / "good.csv").write_text(HEADER + "\n" + row)
    (day / "headless.csv").write_text(row)
    (day / "bad.csv").write_text("Carrier,Origin,Dest,DepDelay,ArrDelay\n" + row)
    summary = run(tmp_path, capsys)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (1, 2)
    reasons = {r["source_file"].rsplit("/", 1)[1]: r["reason"] for r in read_csv(tmp_path / "out" / "quarantine.csv")}
    assert reasons == {
        "headless.csv": f"the file has no header line; expected {HEADER}",
        "bad.csv": f"the file's header 'Carrier,Origin,Dest,DepDelay,ArrDelay' is not {HEADER}",
    }


def test_small_inputs_run_on_the_jvms_first_compiler_alone_and_larger_ones_on_its_default():
    assert local_run.C1_ONLY_MAX_BYTES == 16 * 1024 * 1024
    assert local_run.jvm_settings(local_run.C1_ONLY_MAX_BYTES) == {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"}
    assert local_run.jvm_settings(local_run.C1_ONLY_MAX_BYTES + 1) == {}


def test_a_run_starts_its_session_for_the_size_of_its_new_data_files_only(spark, tmp_path, capsys, monkeypatch):
    """The session function is spied on (the test's JVM is already running): each run asks for the bytes of the
    data files it processes, not of files seen before or of files that are not data."""
    asked = []
    monkeypatch.setattr(local_run, "spark_session", lambda input_bytes: asked.append(input_bytes) or spark)
    data = tmp_path / "data"
    vega_flights.copy_airports(data)
    days = vega_flights.days_from_20k(2)
    first, second = sorted(days)
    [day1] = vega_flights.write_days(data, {first: days[first]})
    (data / "daily_flights" / "README.txt").write_text("not data")
    run(tmp_path, capsys)
    [day2] = vega_flights.write_days(data, {second: days[second]})
    run(tmp_path, capsys)
    assert asked == [day1.stat().st_size, day2.stat().st_size]


def _dimension_test_data(tmp_path, airports_csv):
    data = tmp_path / "data"
    (data / "airport_codes").mkdir(parents=True)
    (data / "airport_codes" / "airport_codes.csv").write_text(airports_csv)
    vega_flights.write_days(data, vega_flights.days_from_20k(1))
    return data


def test_a_bad_dimension_stops_the_run_naming_file_field_and_value_and_leaves_the_state_as_it_was(spark, tmp_path):
    """The checks run beside the flights pass, whose output stays in the scratch folder: nothing reaches the state."""
    import pytest

    data = _dimension_test_data(tmp_path, "airport_id,city,state,name\n10165,Adak Island,AK,Adak\n10165,Adak,AK,Again\n")
    with pytest.raises(SystemExit, match=r"local run: .*airport_codes\.csv: field airport_id: value 10165 appears 2 times"):
        local_run.main(["--data", str(data), "--state", str(tmp_path / "state")])
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == []


def test_the_dimension_checks_run_while_the_flights_pass_writes(spark, tmp_path, capsys, monkeypatch):
    """The checks wait for the pass's write to begin: run one after the other, they would never see it."""
    import threading

    writing, seen = threading.Event(), []
    check, write = transform.check_airports, local_run.write_fragments
    monkeypatch.setattr(transform, "check_airports", lambda clean, source: seen.append(writing.wait(30)) or check(clean, source))
    monkeypatch.setattr(local_run, "write_fragments", lambda lines, scratch: writing.set() or write(lines, scratch))
    vega_flights.copy_airports(tmp_path / "data")
    vega_flights.write_days(tmp_path / "data", vega_flights.days_from_20k(1))
    assert run(tmp_path, capsys)["files_processed"] == 1 and seen == [True]


def test_a_dimension_error_is_the_one_reported_when_the_pass_fails_too(spark, tmp_path, monkeypatch):
    import pytest

    def broken_write(lines, scratch):
        raise RuntimeError("the pass failed")

    monkeypatch.setattr(local_run, "write_fragments", broken_write)
    data = _dimension_test_data(tmp_path, "airport_id,city,state,name\nX1,Adak,AK,Adak\n")
    with pytest.raises(SystemExit, match=r"field airport_id: value 'X1' is not an integer"):
        local_run.main(["--data", str(data), "--state", str(tmp_path / "state")])


def test_after_binding_a_functions_call_is_one_round_trip_to_the_jvm_and_names_the_same_classes(spark, monkeypatch):
    """Unbound, F.col asks which class 'functions' is, then what its member 'col' is, then calls it: three round trips."""
    from pyspark.sql import functions as F

    jvm = spark.sparkContext._jvm
    resolved = type(jvm).__getattr__  # py4j's own look-up, whatever the view holds
    local_run.bind_static_classes(spark)
    bound = [getattr(jvm, name.rsplit(".", 1)[1])._fqn for name in local_run.PY4J_STATIC_CLASSES]
    assert bound == [resolved(jvm, "functions")._fqn, resolved(jvm, "PythonUtils")._fqn]
    assert local_run.PY4J_STATIC_CLASSES == ("org.apache.spark.sql.functions", "org.apache.spark.api.python.PythonUtils")
    F.col("first")  # asks about col once
    client, sent = jvm._gateway_client, []
    send = client.send_command
    monkeypatch.setattr(client, "send_command", lambda command, *a, **k: sent.append(command.split("\n", 1)[0]) or send(command, *a, **k))
    F.col("a")
    F.lit(1)
    F.col("b")
    # "m" is py4j releasing a JVM object whose Python proxy was collected: it comes whenever the collector runs.
    assert [c for c in sent if c != "m"] == ["c", "r", "c", "c"]  # lit asked about once, col not again


def test_static_methods_are_kept_and_fields_asked_for_each_time(spark):
    jvm = spark.sparkContext._jvm
    integer = local_run.StaticMethods("java.lang.Integer", jvm._gateway_client)
    assert integer.valueOf is integer.valueOf
    assert integer.valueOf("7") == 7
    assert integer.MAX_VALUE == 2**31 - 1
    assert "MAX_VALUE" not in vars(integer)
