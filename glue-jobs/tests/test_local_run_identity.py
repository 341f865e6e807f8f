"""The local run's table and quarantine stay the same however the run computes them.

The digests below pin the rows of a fixed scenario (output_digest.scenario_digests): sorted, the run's timestamps
left out. A change to them is a change of behaviour, not of implementation.
"""

import local_run
import output_digest

BEFORE = [
    {
        "daily_flights_processed.csv": {"rows": 1012, "sha256": "1d5c1e44bced8bea4f0a53500b3fae3cb0453f3f312ea502fc6de33920ca97f1"},
        "quarantine.csv": {"rows": 136, "sha256": "9c75370d5275cf47926fbccb38367ee044f81e581d45ba03b8029c566c8082f7"},
    },
    {
        "daily_flights_processed.csv": {"rows": 1082, "sha256": "dd7b7d83874a89343b6d9639f3f0ea6835809cf03859b0ebb48256af5d6c2f4d"},
        "quarantine.csv": {"rows": 156, "sha256": "e0961f926c85ea7b525198d3b40f8730b87141304c2202c0bad4d487111fca2f"},
    },
]


def test_table_and_quarantine_are_identical_to_before_on_vega_days(spark, tmp_path, capsys):
    assert output_digest.scenario_digests(tmp_path, local_run.main) == BEFORE
