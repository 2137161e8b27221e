"""citata.quotes and citata.ratings against the CLI, which is the reference: row for row."""

import json
import subprocess

import pyarrow as pa
import pytest

import citata

from test_tag import cli, demo  # noqa: F401  (fixtures)


def cli_ndjson(cli, command, *args):
    out = subprocess.run(
        [cli, command, *args, "--format", "ndjson"], capture_output=True, check=True
    ).stdout
    return [json.loads(line) for line in out.decode("utf-8").splitlines()]


def same_rows(table, want):
    got = table.to_pylist()
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"row {i}"
    if want:
        assert table.column_names == list(want[0].keys())


FEATURES = pa.struct(
    [
        pa.field(n, pa.float64(), nullable=False)
        for n in ("comparison", "concreteness", "emotion", "filler", "first_person", "length", "relevance", "self_contained")
    ]
)
QUOTE_TYPES = {
    "type": pa.string(), "param": pa.string(), "level": pa.string(), "rank": pa.int64(),
    "text": pa.string(), "doc": pa.string(), "turn": pa.int64(), "start": pa.int64(),
    "end": pa.int64(), "attribution": pa.string(), "polarity": pa.string(),
    "score": pa.float64(), "features": FEATURES,
}
REJECTED = pa.struct(
    [
        pa.field("value", pa.float64(), nullable=False),
        pa.field("why", pa.string(), nullable=False),
        pa.field("evidence", pa.string(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("end", pa.int64(), nullable=False),
    ]
)
RATING_TYPES = {
    "type": pa.string(), "doc": pa.string(), "param": pa.string(), "level": pa.string(),
    "wave": pa.string(), "speaker": pa.string(), "value": pa.float64(), "source": pa.string(),
    "confidence": pa.float64(), "low_confidence": pa.bool_(), "evidence": pa.string(),
    "start": pa.int64(), "end": pa.int64(), "reason": pa.string(), "rejected": pa.list_(REJECTED),
}


def test_the_demo_quotes_are_the_cli_ndjson_row_for_row(cli, demo):
    want = cli_ndjson(cli, "quotes", str(demo), "-q")
    assert len(want) > 30
    same_rows(citata.quotes([demo]), want)


def test_quote_options_are_the_cli_flags(cli, demo):
    want = cli_ndjson(cli, "quotes", str(demo), "-q", "--top", "2", "--polarity", "negative", "--no-mask")
    got = citata.quotes(demo, top=2, polarity="negative", mask=False)
    same_rows(got, want)
    assert max(got.column("rank").to_pylist()) == 2
    assert set(got.column("polarity").to_pylist()) <= {"negative", "mixed"}
    param = want[0]["param"]
    only = citata.quotes([demo], params=[param], top=5)
    same_rows(only, cli_ndjson(cli, "quotes", str(demo), "-q", "--param", param, "--top", "5"))
    assert set(only.column("param").to_pylist()) == {param}
    with pytest.raises(citata.CitataError, match="unknown parameter `nope`"):
        citata.quotes([demo], params=["nope"])
    with pytest.raises(ValueError, match="polarity"):
        citata.quotes([demo], polarity="happy")


def test_the_demo_ratings_are_the_cli_ndjson_row_for_row(cli, demo):
    want = cli_ndjson(cli, "ratings", str(demo))
    assert len(want) > 100
    assert any(r["rejected"] for r in want) and any(r["reason"] is None for r in want)
    same_rows(citata.ratings([demo]), want)


def test_a_ratings_csv_overrides_as_in_the_cli(cli, demo):
    first = cli_ndjson(cli, "ratings", str(demo))[0]
    (demo / "ratings.csv").write_text(
        f"file;param;value;wave\n{first['doc']};{first['param']};9;\nnew.txt;{first['param']};3;2027\n",
        encoding="utf-8",
    )
    want = cli_ndjson(cli, "ratings", str(demo))
    with pytest.warns(UserWarning, match=r"replaced by 9 \(csv\)"):
        got = citata.ratings([demo])
    same_rows(got, want)
    csv_rows = [r for r in got.to_pylist() if r["source"] == "csv"]
    assert [(r["doc"], r["value"], r["wave"]) for r in csv_rows] == [(first["doc"], 9.0, first["wave"]), ("new.txt", 3.0, "2027")]


def test_quote_and_rating_column_types_are_pinned_even_when_empty(demo, tmp_path):
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    (quiet / "a.txt").write_text("Интервьюер: Добрый день.\n\nРеспондент: Здравствуйте.\n", encoding="utf-8")
    for table, types in (
        (citata.quotes([demo]), QUOTE_TYPES),
        (citata.quotes([quiet]), QUOTE_TYPES),
        (citata.quotes([]), QUOTE_TYPES),
        (citata.ratings([demo]), RATING_TYPES),
        (citata.ratings([quiet]), RATING_TYPES),
        (citata.ratings([]), RATING_TYPES),
    ):
        assert {f.name: f.type for f in table.schema} == types
    assert table.num_rows == 0
    assert citata.quotes([quiet]).num_rows == 0 and citata.ratings([quiet]).num_rows == 0
    assert citata.quotes([demo]).schema == citata.QUOTES_SCHEMA
    assert citata.ratings([demo]).schema == citata.RATINGS_SCHEMA
