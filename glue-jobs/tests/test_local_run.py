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
    assert second == {
        "files_processed": 0,
        "files_ignored": 0,
        "rows_in": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_filtered": 0,
        "files": [],
        "files_set_aside": [],
    }
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


def test_a_run_goes_through_the_glue_jobs_own_pass_once_with_its_new_data_files(spark, tmp_path, capsys, monkeypatch):
    """The pass is spied on: each run hands it the data files it processes, not files seen before or not data."""
    calls, run_pass = [], transform.run_pass
    monkeypatch.setattr(transform, "run_pass", lambda lines, airports, files, sink, **kw: calls.append(files) or run_pass(lines, airports, files, sink, **kw))
    data = tmp_path / "data"
    vega_flights.copy_airports(data)
    days = vega_flights.days_from_20k(2)
    first, second = sorted(days)
    vega_flights.write_days(data, {first: days[first]})
    (data / "daily_flights" / "README.txt").write_text("not data")
    assert run(tmp_path, capsys)["files_ignored"] == 1
    vega_flights.write_days(data, {second: days[second]})
    run(tmp_path, capsys)
    assert calls == [[f"daily_flights/date={first}/flights.csv"], [f"daily_flights/date={second}/flights.csv"]]


def _dimension_test_data(tmp_path, airports_csv):
    data = tmp_path / "data"
    (data / "airport_codes").mkdir(parents=True)
    (data / "airport_codes" / "airport_codes.csv").write_text(airports_csv)
    vega_flights.write_days(data, vega_flights.days_from_20k(1))
    return data


def test_a_bad_dimension_stops_the_run_naming_file_field_and_value_and_leaves_the_state_as_it_was(spark, tmp_path):
    """The checks run before anything is written: nothing reaches the state."""
    import pytest

    data = _dimension_test_data(tmp_path, "airport_id,city,state,name\n10165,Adak Island,AK,Adak\n10165,Adak,AK,Again\n")
    with pytest.raises(SystemExit, match=r"local run: .*airport_codes\.csv: field airport_id: value 10165 appears 2 times"):
        local_run.main(["--data", str(data), "--state", str(tmp_path / "state")])
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == []


def test_a_dimension_error_stops_the_run_before_the_rows_are_counted(spark, tmp_path, monkeypatch):
    import pytest

    counted = []
    monkeypatch.setattr(transform, "count_statuses", lambda classified: counted.append(classified))
    data = _dimension_test_data(tmp_path, "airport_id,city,state,name\nX1,Adak,AK,Adak\n")
    with pytest.raises(SystemExit, match=r"field airport_id: value 'X1' is not an integer"):
        local_run.main(["--data", str(data), "--state", str(tmp_path / "state")])
    assert counted == []
