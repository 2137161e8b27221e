"""examples/spark_tag.py in Spark's local mode writes exactly the CLI's codings.

Skipped unless pyspark is installed; CITATA_SPARK=1 (the Spark CI step) makes it required.
"""

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

if os.environ.get("CITATA_SPARK") != "1":
    pytest.importorskip("pyspark")

import pyarrow.parquet as pq

import citata
from test_tag import DEMO, REPO, cli, cli_rows, demo  # noqa: F401  (fixtures)


def canonical(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def test_the_spark_example_writes_the_cli_codings_by_wave(cli, demo, tmp_path):  # noqa: F811
    out = tmp_path / "parquet"
    env = {k: v for k, v in os.environ.items() if k != "PYSPARK_PYTHON"}
    subprocess.run(
        [sys.executable, str(REPO / "examples" / "spark_tag.py"), str(demo), str(out), "--master", "local[2]"],
        check=True,
        env=env,
    )
    table = pq.read_table(out)
    fields = citata.TAG_SCHEMA.names
    got = Counter(canonical({k: r[k] for k in fields}) for r in table.to_pylist())
    want = cli_rows(cli, str(demo))
    assert got == Counter(canonical(r) for r in want)
    assert sum(got.values()) == len(want) > 100
    # Partitioned by the respondents.csv wave; the csv's `role` column kept as meta_role.
    waves = {p.name for p in out.iterdir() if p.name.startswith("wave=")}
    assert waves == {"wave=2025", "wave=2026"}
    rows = table.to_pylist()
    for r in rows:
        assert str(r["wave"]) == "20" + r["doc"][1:3], r["doc"]
    assert any(r["meta_role"] == "Начальник службы закупок" for r in rows)
