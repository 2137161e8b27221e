"""citata.tag against the CLI, which is the reference: row for row, field for field."""

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest

import citata

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "demo"


@pytest.fixture(scope="session")
def cli():
    """The citata binary: $CITATA_BIN, or target/release/citata (built when missing)."""
    if os.environ.get("CITATA_BIN"):
        return os.environ["CITATA_BIN"]
    binary = REPO / "target" / "release" / "citata"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--release", "--bin", "citata"], cwd=REPO, check=True)
    return str(binary)


def cli_rows(cli, *args):
    out = subprocess.run(
        [cli, "tag", *args, "--format", "ndjson", "-q"], capture_output=True, check=True
    ).stdout
    return [json.loads(line) for line in out.decode("utf-8").splitlines()]


@pytest.fixture()
def demo(tmp_path):
    """A copy of the demo corpus (tests never write into the repository)."""
    dst = tmp_path / "demo"
    shutil.copytree(DEMO, dst)
    return dst


def test_the_demo_table_is_the_cli_ndjson_row_for_row(cli, demo):
    want = cli_rows(cli, str(demo))
    table = citata.tag([demo])
    assert table.num_rows == len(want)
    assert len(want) > 100
    got = table.to_pylist()
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"row {i}"
    # Every field of the NDJSON is a column, in its order.
    assert table.column_names == list(want[0].keys())


def test_column_types_are_pinned_even_when_nothing_is_coded(demo):
    term = pa.struct(
        [
            pa.field("entry", pa.string(), nullable=False),
            pa.field("start", pa.int64(), nullable=False),
            pa.field("end", pa.int64(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
        ]
    )
    want = {
        "type": pa.string(), "doc": pa.string(), "turn": pa.int64(), "sentence": pa.int64(),
        "speaker": pa.string(), "role": pa.string(), "start": pa.int64(), "end": pa.int64(),
        "text": pa.string(), "param": pa.string(), "level": pa.string(), "source": pa.string(),
        "terms": pa.list_(term), "polarity": pa.string(), "polarity_score": pa.float64(),
        "wish": pa.bool_(), "comparison": pa.bool_(), "decision": pa.string(), "coder": pa.string(),
    }
    full = citata.tag([demo])
    empty = citata.tag({"x": "Q: Добрый день.\n\nA: Здравствуйте."})
    none = citata.tag([])
    for t in (full, empty, none):
        assert {f.name: f.type for f in t.schema} == want
    assert empty.num_rows == 0 and none.num_rows == 0
    # Nulls only where the format allows them: param, level, decision and coder (no coder
    # decides on texts passed to the package).
    assert full.column("decision").null_count == full.num_rows
    assert full.column("param").null_count > 0
    assert full.column("doc").null_count == 0


def test_texts_given_as_strings_are_coded_as_the_files_are(cli, demo):
    name = "w25-finansy.txt"
    want = [r for r in cli_rows(cli, str(demo / name))]
    text = (demo / name).read_text(encoding="utf-8")
    got = citata.tag({name: text}).to_pylist()
    assert got == want and len(want) > 5
    # Pairs, as from two DataFrame columns, give the same; a second doc id keeps its own.
    pairs = citata.tag([(name, text), ("copy", text)])
    assert pairs.num_rows == 2 * len(want)
    assert set(pairs.column("doc").to_pylist()) == {name, "copy"}


def test_meta_decides_roles_as_respondents_csv_does(cli, demo):
    name = "w25-zakupki.txt"
    with open(demo / "respondents.csv", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["file"] == name)
    meta = {k: v for k, v in row.items() if k != "file"}
    want = [r for r in cli_rows(cli, str(demo)) if r["doc"] == name]
    text = (demo / name).read_text(encoding="utf-8")
    assert citata.tag({name: text}, meta={name: meta}).to_pylist() == want


def test_a_custom_codebook_codes_only_its_parameters(demo):
    toml = citata.Codebook.default().toml
    cb = citata.Codebook.from_toml(toml)
    assert cb.parameters == citata.Codebook.default().parameters
    assert citata.tag([demo], codebook=cb).equals(citata.tag([demo]))


def test_a_bad_codebook_raises_with_line_and_column(cli, tmp_path):
    # As tests/cli.rs BROKEN: a parameter with an unknown level, on line 9.
    bad = (
        'name = "Сломанный"\n\n[[levels]]\nid = "proc"\nname = "Процесс"\n\n'
        '[[parameters]]\nid = "price"\nlevel = "nope"\nname = "Цены"\nterms = ["цена"]\n'
    )
    with pytest.raises(citata.CitataError) as e:
        citata.Codebook.from_toml(bad)
    msg = str(e.value)
    assert "line 9, column 9: parameter `price` has unknown level `nope`; levels are: proc" in msg, msg
    # The same located message as the CLI's, for the same file.
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(citata.CitataError) as e:
        citata.Codebook.from_toml(path)
    out = subprocess.run([cli, "codebook", "check", str(path)], capture_output=True)
    assert out.returncode != 0
    located = [l for l in str(e.value).splitlines() if l.startswith("line ")]
    assert located and all(l in out.stderr.decode() + out.stdout.decode() for l in located)


def test_a_nul_or_a_lone_surrogate_is_a_clear_error():
    with pytest.raises(citata.CitataError, match=r"d1: the text has a NUL character at code point 3"):
        citata.tag({"d1": "Q: \x00 вопрос"})
    with pytest.raises(citata.CitataError, match=r"d2: the text has an invalid surrogate \(U\+D800\) at code point 2"):
        citata.tag([("d2", "Q:\ud800 вопрос")])


def test_unreadable_files_raise_after_the_pass_or_warn(demo):
    (demo / "w25-finansy.txt").write_bytes(b"   \n")
    with pytest.raises(citata.CitataError, match="w25-finansy.txt.*empty"):
        citata.tag([demo])
    with pytest.warns(UserWarning, match="w25-finansy.txt"):
        t = citata.tag([demo], errors="warn")
    assert t.num_rows > 0 and "w25-finansy.txt" not in t.column("doc").to_pylist()
    with pytest.raises(citata.CitataError, match="does-not-exist"):
        citata.tag([demo / "does-not-exist"])


def test_file_bytes_are_decoded_as_files_are(cli, demo):
    # w26-zakupki.txt is Windows-1251, w25-kachestvo.docx a .docx: the engine reads the bytes.
    names = ["w26-zakupki.txt", "w25-kachestvo.docx"]
    want = [r for n in names for r in cli_rows(cli, str(demo / n))]
    got = citata.tag([(n, (demo / n).read_bytes()) for n in names]).to_pylist()
    assert got == want and len(want) > 10


def test_a_missing_codebook_file_is_named():
    for given in ("nope.toml", Path("nope.toml")):
        with pytest.raises(citata.CitataError, match=r"reading nope.toml: No such file"):
            citata.Codebook.from_toml(given)


def test_the_gil_is_released_while_the_engine_works(demo):
    # Another Python thread runs while citata.tag is in Rust: with the GIL held it could not
    # take a single step until tag returned.
    import threading
    import time

    steps = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            steps.append(time.perf_counter())
            time.sleep(0.001)

    big = {f"{i}-{p.name}": p.read_text(encoding="utf-8") for i in range(20) for p in demo.glob("*.txt")
           if p.name != "w26-zakupki.txt"}  # the cp1251 file is not UTF-8
    th = threading.Thread(target=tick)
    th.start()
    time.sleep(0.01)
    docs = list(big.items())
    start = time.perf_counter()
    citata._citata.tag_texts(docs, None, None, None)  # only the Rust call
    end = time.perf_counter()
    done.set()
    th.join()
    during = [s for s in steps if start < s < end]
    assert end - start > 0.02 and len(during) >= 3, (end - start, len(during))


def test_ingest_is_the_cli_ingest_ndjson_row_for_row(cli, demo):
    out = subprocess.run(
        [cli, "ingest", str(demo), "--format", "ndjson"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    want = [json.loads(line) for line in out.splitlines()]
    table = citata.ingest([demo])
    assert table.schema == citata.INGEST_SCHEMA
    assert table.num_rows == len(want) == 16
    for g, w in zip(table.to_pylist(), want):
        # The table fills what the NDJSON leaves out: marks [], non_speech false, times null.
        for s in w["sentences"]:
            s.setdefault("marks", [])
            s.setdefault("non_speech", False)
        for t in w["turns"]:
            t.setdefault("start_time", None)
            t.setdefault("end_time", None)
        assert dict(g["meta"]) == w.pop("meta")
        g.pop("meta")
        assert g == w, w["doc"]
    assert any(t["start_time"] is not None for r in want for t in r["turns"])
    assert any(s["marks"] for r in want for s in r["sentences"])
    empty = citata.ingest([])
    assert empty.num_rows == 0 and empty.schema == citata.INGEST_SCHEMA
