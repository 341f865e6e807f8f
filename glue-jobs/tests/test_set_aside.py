"""A file S3 refuses to hand the job (flights_set_aside): flights_ingest.main() on the Glue stand-in with moto S3,
which refuses a GET of an archived (GLACIER) object as S3 does: 403 InvalidObjectState."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "glue_standin"))

import emulation  # noqa: E402
import flights_set_aside as set_aside  # noqa: E402
from globs import glob_regex  # noqa: E402
from test_glue_job_main import BUCKET, DAY1, DAY2, GOOD, glue, pg  # noqa: E402, F401

MARKERS = "reports/set-aside/"
# Which form of an object's path Glue matches exclusions against is undocumented: the job must work with each.
FORMS = {
    "s3-uri": lambda bucket, key, prefix: f"s3://{bucket}/{key}",
    "key": lambda bucket, key, prefix: key,
    "below-read-path": lambda bucket, key, prefix: key.removeprefix(prefix),
}
ROWS = [("AA", "Anchorage", "Adak Island", "5"), ("UA", "Adak Island", "Barrow", "NULL")]


def archive(job, key: str, text: str) -> None:
    job.s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode(), StorageClass="GLACIER")


def markers(job) -> list[dict]:
    listing = job.s3.list_objects_v2(Bucket=BUCKET, Prefix=MARKERS).get("Contents", [])
    return [json.loads(job.s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()) for o in listing]


def test_an_unreadable_file_fails_one_run_naming_it_then_the_others_load_and_it_stays_aside_until_it_changes(glue):  # noqa: F811
    # Glue matching the globs below the read path; every form's matching: the pattern test below.
    emulation.WORLD.exclusion_form = FORMS["below-read-path"]
    glue.upload(DAY1, GOOD)
    archive(glue, DAY2, GOOD)
    with pytest.raises(set_aside.UnreadableFilesSetAside, match=f"set aside 1 file.*{DAY2} \\(InvalidObjectState: .*requeue -- --reason unreadable"):
        glue.run()
    assert glue.table() == {}
    assert [(m["key"], m["error"].split(":")[0], m["job_run_id"]) for m in markers(glue)] == [(DAY2, "InvalidObjectState", "jr_0001")]
    # The retry (the state machine's) loads the other file and reports the one set aside, as does every later run.
    report = glue.run()
    assert (report["files"], report["files_set_aside"]) == ([DAY1], [DAY2])
    assert glue.table() == {DAY1: ROWS}
    assert glue.run()["files_set_aside"] == [DAY2]  # a run with nothing new too
    # Uploaded again, readable: the marker goes and the bookmark reads the file as new.
    glue.upload(DAY2, GOOD)
    report = glue.run()
    assert (report["files"], report["files_set_aside"]) == ([DAY2], [])
    assert glue.table() == {DAY1: ROWS, DAY2: ROWS}
    assert markers(glue) == []


def test_a_file_deleted_since_it_was_listed_is_not_set_aside(glue):  # noqa: F811
    assert set_aside.refusal(glue.s3, BUCKET, DAY1) is None
    glue.upload(DAY1, GOOD)
    assert set_aside.refusal(glue.s3, BUCKET, DAY1) is None
    archive(glue, DAY2, GOOD)
    assert set_aside.refusal(glue.s3, BUCKET, DAY2).startswith("InvalidObjectState: ")


ODD = "daily_flights/date=2001-01-15/a*b?[c]{d,e}\\f.csv"


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_each_exclusion_pattern_matches_its_own_file_and_no_other_whatever_the_form_glue_matches(form):
    patterns = [glob_regex(p) for p in json.loads(set_aside.exclusions(BUCKET, "daily_flights/", [ODD, DAY1]))]
    neighbours = [DAY2, "daily_flights/date=2001-01-15/aXbY[c]{d,e}\\f.csv", "daily_flights/date=2001-01-15/ab[c]d.csv", f"x/{DAY1}", f"{DAY1}.bak"]
    assert all(any(p.fullmatch(form(BUCKET, k, "daily_flights/")) for p in patterns) for k in [ODD, DAY1])
    assert [k for k in neighbours if any(p.fullmatch(form(BUCKET, k, "daily_flights/")) for p in patterns)] == []


def test_the_failure_names_the_first_ten_files_with_their_errors_and_counts_the_rest():
    marked = [{"key": f"daily_flights/date=2001-01-{d:02d}/f.csv", "error": f"AccessDenied: no {d}"} for d in range(1, 13)]
    assert str(set_aside.UnreadableFilesSetAside(marked[:1])) == (
        "set aside 1 file(s) S3 refused to read: daily_flights/date=2001-01-01/f.csv (AccessDenied: no 1). The next pass loads "
        "the other files; fix access or restore each file, then run npm run requeue -- --reason unreadable"
    )
    many = str(set_aside.UnreadableFilesSetAside(marked))
    assert many.startswith("set aside 12 file(s) S3 refused to read: daily_flights/date=2001-01-01/f.csv (AccessDenied: no 1); daily_flights/")
    assert "date=2001-01-10/f.csv (AccessDenied: no 10) and 2 more. The next pass" in many and "2001-01-11" not in many
    assert "no 10). The next pass" in str(set_aside.UnreadableFilesSetAside(marked[:10]))
    assert "no 10) and 1 more. The next pass" in str(set_aside.UnreadableFilesSetAside(marked[:11]))


def test_only_an_answer_that_will_not_change_by_itself_sets_a_file_aside():
    assert [s for s in (200, 206, 399, 400, 403, 404, 408, 429, 499, 500, 503) if set_aside.refuses(s)] == [400, 403, 499]


def test_markers_probe_one_byte_come_back_in_key_order_and_go_with_their_file(glue):  # noqa: F811
    # Keys listed unlike their markers: ' ' sorts before '-' in a key, but becomes '_', which sorts after '-', in a source id.
    keys = ["daily_flights/date=2001-01-15/a b.csv", "daily_flights/date=2001-01-15/a-b.csv", "daily_flights/date=2001-01-15/c.csv"]
    for key in keys:
        archive(glue, key, GOOD)
    ranges = []
    glue.s3.meta.events.register("before-call.s3.GetObject", lambda params, **_: ranges.append(params["headers"].get("Range")))
    listed = glue.s3.list_objects_v2(Bucket=BUCKET, Prefix="daily_flights/")["Contents"]
    made = set_aside.set_aside_refused(glue.s3, BUCKET, MARKERS, listed, "jr_9")
    assert sorted(ranges) == ["bytes=0-0"] * 3
    assert {m["error"] for m in made} == {"InvalidObjectState: The operation is not valid for the object's storage class"}
    marker_keys = [o["Key"] for o in glue.s3.list_objects_v2(Bucket=BUCKET, Prefix=MARKERS)["Contents"]]
    assert {glue.s3.head_object(Bucket=BUCKET, Key=k)["ContentType"] for k in marker_keys} == {"application/json"}
    assert [m["key"] for m in set_aside.still_set_aside(glue.s3, BUCKET, MARKERS)] == keys
    glue.s3.delete_object(Bucket=BUCKET, Key=keys[2])
    assert [m["key"] for m in set_aside.still_set_aside(glue.s3, BUCKET, MARKERS)] == keys[:2]
    assert len(glue.s3.list_objects_v2(Bucket=BUCKET, Prefix=MARKERS)["Contents"]) == 2
