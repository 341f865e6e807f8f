"""Files S3 refuses to hand the job (access denied, a KMS key the job may not use, an archived storage class) are set
aside, so one such file fails one pass, not every pass that includes it.

Glue's bookmark is all or nothing: a read that fails on one object fails the run, the bookmark does not move, and
every retry reads the same objects again. So when a run fails, the job asks S3 for one byte of each data file
changed since the previous run; each one S3 refuses gets a marker ``<set_aside_prefix><source_id>.json`` (key,
version, error), and the run fails naming them. Later runs leave every marked file whose object is unchanged
out of Glue's read (the ``exclusions`` connection option) and list it in their report. A marker whose object
changed (uploaded again, restored and copied, or queued by ``npm run requeue -- --reason unreadable``) is deleted,
and the bookmark reads the file as new.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import flights_rules as rules
from botocore.exceptions import ClientError

# Answers to a GET that a later pass may not get: 404 is a file deleted meanwhile (the retry no longer lists it),
# 408 and 429 pass. Every other 4xx (403 AccessDenied or InvalidObjectState, 400 from KMS) stays until someone acts.
PASSING = {404, 408, 429}
PROBES_AT_ONCE = 16


class UnreadableFilesSetAside(RuntimeError):
    """The run failed and S3 refused to read these files: they are set aside, the next pass loads the others."""

    def __init__(self, markers: list[dict]):
        named = "; ".join(f"{m['key']} ({m['error']})" for m in markers[:10])
        more = f" and {len(markers) - 10} more" if len(markers) > 10 else ""
        super().__init__(
            f"set aside {len(markers)} file(s) S3 refused to read: {named}{more}. The next pass loads the other files; fix access or "
            "restore each file, then run npm run requeue -- --reason unreadable"
        )


def s3_objects(s3, bucket: str, prefix: str):
    """Every object under PREFIX, page after page (the job's one S3 listing, flights_ingest's too)."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def version(obj: dict) -> list[str]:
    return [obj["ETag"], obj["LastModified"].isoformat()]


def refuses(status: int) -> bool:
    """Whether an answer with this HTTP status means S3 will refuse the file until someone acts."""
    return 400 <= status < 500 and status not in PASSING


def refusal(s3, bucket: str, key: str) -> str | None:
    """Why S3 will not hand over KEY (``Code: message``), or None when it does or may on a later try."""
    try:
        s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-0")["Body"].read()
    except ClientError as e:
        # botocore's parser gives every error answer its status and an Error (its Code and Message as S3 sent them).
        if refuses(e.response["ResponseMetadata"]["HTTPStatusCode"]):
            error = e.response["Error"]
            return f"{error.get('Code')}: {error.get('Message')}"
    return None


def marker_key(markers_prefix: str, key: str) -> str:
    return f"{markers_prefix}{rules.source_id(key)}.json"


def set_aside_refused(s3, bucket: str, markers_prefix: str, candidates: list[dict], job_run_id: str) -> list[dict]:
    """Marks each of CANDIDATES (listed objects) that S3 refuses to read; returns the new markers."""
    with ThreadPoolExecutor(PROBES_AT_ONCE) as pool:
        probed = list(pool.map(lambda o: (o, refusal(s3, bucket, o["Key"])), candidates))
    markers = [{"key": o["Key"], "version": version(o), "error": e, "job_run_id": job_run_id} for o, e in probed if e]
    for m in markers:
        s3.put_object(Bucket=bucket, Key=marker_key(markers_prefix, m["key"]), Body=json.dumps(m).encode(), ContentType="application/json")
    return markers


def still_set_aside(s3, bucket: str, markers_prefix: str) -> list[dict]:
    """The markers whose object is unchanged; the others are deleted, so their file is read again."""
    kept = []
    for listed in s3_objects(s3, bucket, markers_prefix):
        marker = json.loads(s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read())
        now = next((o for o in s3_objects(s3, bucket, marker["key"]) if o["Key"] == marker["key"]), None)
        if now is not None and version(now) == marker["version"]:
            kept.append(marker)
        else:
            s3.delete_object(Bucket=bucket, Key=listed["Key"])
    return sorted(kept, key=lambda m: m["key"])


def exclusions(bucket: str, prefix: str, keys: list[str]) -> str:
    """Glue's ``exclusions`` option: a JSON list of glob patterns. Glue's docs do not say which form of a path it
    matches them against (the key, the key below the read path, or the s3:// URI), so each file is named in all
    three, with the glob characters escaped: each pattern matches that one file and nothing else."""
    forms = [(f"s3://{bucket}/{k}", k, k.removeprefix(prefix)) for k in keys]
    return json.dumps([re.sub(r"([\\*?\[\]{},])", r"\\\1", f) for group in forms for f in group])
