"""citata from Python: the Rust engine's codings as Apache Arrow tables.

>>> import citata
>>> table = citata.tag(["corpora/demo"])          # files or folders, as `citata tag`
>>> table = citata.tag({"a1": "Интервьюер: ...\\nРеспондент: ..."})   # texts by doc id

`tag` returns one row per coding with exactly the fields of `citata tag --format ndjson`
(docs/formats.md), in the columns and types of `TAG_SCHEMA`. The engine runs its own
parallel pass with the GIL released.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterable, Mapping
from typing import Optional, Union

import pyarrow as pa
import pyarrow.json as pa_json

from ._citata import CitataError, Codebook
from . import _citata

__all__ = [
    "CitataError",
    "Codebook",
    "INGEST_SCHEMA",
    "QUOTES_SCHEMA",
    "RATINGS_SCHEMA",
    "TAG_SCHEMA",
    "ingest",
    "quotes",
    "ratings",
    "tag",
]

#: The columns of `citata.tag`: the fields of `citata tag --format ndjson`, in its order.
#: Offsets are code points into the canonical text.
TAG_SCHEMA = pa.schema(
    [
        pa.field("type", pa.string(), nullable=False),
        pa.field("doc", pa.string(), nullable=False),
        pa.field("turn", pa.int64(), nullable=False),
        pa.field("sentence", pa.int64(), nullable=False),
        pa.field("speaker", pa.string(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("end", pa.int64(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("param", pa.string()),
        pa.field("level", pa.string()),
        pa.field("source", pa.string(), nullable=False),
        pa.field(
            "terms",
            pa.list_(
                pa.struct(
                    [
                        pa.field("entry", pa.string(), nullable=False),
                        pa.field("start", pa.int64(), nullable=False),
                        pa.field("end", pa.int64(), nullable=False),
                        pa.field("text", pa.string(), nullable=False),
                    ]
                )
            ),
            nullable=False,
        ),
        pa.field("polarity", pa.string(), nullable=False),
        pa.field("polarity_score", pa.float64(), nullable=False),
        pa.field("wish", pa.bool_(), nullable=False),
        pa.field("comparison", pa.bool_(), nullable=False),
        pa.field("decision", pa.string()),
        pa.field("coder", pa.string()),
    ]
)

#: The columns of `citata.ingest`: the fields of `citata ingest --format ndjson`, one row per
#: transcript. Absent optional fields are filled: `marks` [], `non_speech` false, times null.
INGEST_SCHEMA = pa.schema(
    [
        pa.field("type", pa.string(), nullable=False),
        pa.field("doc", pa.string(), nullable=False),
        pa.field("format", pa.string(), nullable=False),
        pa.field("encoding", pa.string(), nullable=False),
        pa.field("meta", pa.map_(pa.string(), pa.string()), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field(
            "speakers",
            pa.list_(pa.struct([("label", pa.string()), ("role", pa.string()), ("role_source", pa.string())])),
            nullable=False,
        ),
        pa.field(
            "turns",
            pa.list_(
                pa.struct(
                    [
                        ("speaker", pa.string()),
                        ("role", pa.string()),
                        ("start", pa.int64()),
                        ("end", pa.int64()),
                        ("start_time", pa.float64()),
                        ("end_time", pa.float64()),
                    ]
                )
            ),
            nullable=False,
        ),
        pa.field(
            "sentences",
            pa.list_(
                pa.struct(
                    [
                        ("turn", pa.int64()),
                        ("start", pa.int64()),
                        ("end", pa.int64()),
                        ("marks", pa.list_(pa.list_(pa.int64()))),
                        ("non_speech", pa.bool_()),
                    ]
                )
            ),
            nullable=False,
        ),
        pa.field("warnings", pa.list_(pa.string()), nullable=False),
    ]
)

#: The columns of `citata.quotes`: the fields of `citata quotes --format ndjson`, one row per
#: quote (parameters in codebook order, `rank` 1… within each). `features` add up to `score`.
QUOTES_SCHEMA = pa.schema(
    [
        pa.field("type", pa.string(), nullable=False),
        pa.field("param", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("doc", pa.string(), nullable=False),
        pa.field("turn", pa.int64(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("end", pa.int64(), nullable=False),
        pa.field("attribution", pa.string(), nullable=False),
        pa.field("polarity", pa.string(), nullable=False),
        pa.field("score", pa.float64(), nullable=False),
        pa.field(
            "features",
            pa.struct(
                [
                    pa.field(name, pa.float64(), nullable=False)
                    for name in (
                        "comparison",
                        "concreteness",
                        "emotion",
                        "filler",
                        "first_person",
                        "length",
                        "relevance",
                        "self_contained",
                    )
                ]
            ),
            nullable=False,
        ),
    ]
)

#: The columns of `citata.ratings`: the fields of `citata ratings --format ndjson`, one row per
#: rating (a folder's ratings.csv overriding, as in the CLI). `reason` is null when the value
#: was no choice.
RATINGS_SCHEMA = pa.schema(
    [
        pa.field("type", pa.string(), nullable=False),
        pa.field("doc", pa.string(), nullable=False),
        pa.field("param", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("wave", pa.string(), nullable=False),
        pa.field("speaker", pa.string(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("confidence", pa.float64(), nullable=False),
        pa.field("low_confidence", pa.bool_(), nullable=False),
        pa.field("evidence", pa.string(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("end", pa.int64(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field(
            "rejected",
            pa.list_(
                pa.struct(
                    [
                        pa.field("value", pa.float64(), nullable=False),
                        pa.field("why", pa.string(), nullable=False),
                        pa.field("evidence", pa.string(), nullable=False),
                        pa.field("start", pa.int64(), nullable=False),
                        pa.field("end", pa.int64(), nullable=False),
                    ]
                )
            ),
            nullable=False,
        ),
    ]
)

PathLike = Union[str, "os.PathLike[str]"]


def _check_errors(errors: str) -> None:
    if errors not in ("raise", "warn", "ignore"):
        raise ValueError("errors: 'raise', 'warn' or 'ignore'")


def _codebook(codebook) -> Optional[Codebook]:
    if codebook is None or isinstance(codebook, Codebook):
        return codebook
    if isinstance(codebook, (str, os.PathLike)):
        return Codebook.from_toml(codebook)
    raise TypeError(f"codebook: a citata.Codebook, a path or TOML text, not {type(codebook).__name__}")


def _texts(items) -> list:
    """(doc id, text) pairs, each text checked to be encodable (no lone surrogates)."""
    docs = []
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError("texts are (doc_id, text) pairs or a {doc_id: text} mapping")
        doc, text = str(item[0]), item[1]
        if isinstance(text, (bytes, bytearray, memoryview)):
            # A file's bytes: the engine detects the encoding (and reads a .docx).
            docs.append((doc, bytes(text)))
            continue
        if not isinstance(text, str):
            raise TypeError(f"{doc}: the text is a {type(text).__name__}, not str or bytes")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise CitataError(
                f"{doc}: the text has an invalid surrogate (U+{ord(text[e.start]):04X}) at "
                f"code point {e.start}; it is not valid Unicode (decode the source with "
                f"errors='replace' or fix it)"
            ) from None
        docs.append((doc, text))
    return docs


def _table(data: bytes) -> pa.Table:
    if not data:
        return TAG_SCHEMA.empty_table()
    parse = pa_json.ParseOptions(explicit_schema=TAG_SCHEMA, unexpected_field_behavior="error")
    block = max(1 << 20, min(len(data) // 8, 1 << 24))
    try:
        table = pa_json.read_json(
            io.BytesIO(data), read_options=pa_json.ReadOptions(block_size=block), parse_options=parse
        )
    except pa.ArrowInvalid:
        # A line longer than a block (a very long sentence): read it as one block.
        table = pa_json.read_json(
            io.BytesIO(data),
            read_options=pa_json.ReadOptions(block_size=len(data) + 1),
            parse_options=parse,
        )
    return table.select(TAG_SCHEMA.names).cast(TAG_SCHEMA)


def _run(paths_or_texts, codebook, meta, jobs, errors, ingest) -> bytes:
    """The NDJSON lines of `citata tag` (or `citata ingest`) for what `tag` accepts."""
    _check_errors(errors)
    cb = _codebook(codebook)
    meta = None if meta is None else {str(d): {str(k): str(v) for k, v in m.items()} for d, m in meta.items()}
    if isinstance(paths_or_texts, (str, os.PathLike)):
        paths_or_texts = [paths_or_texts]
    if hasattr(paths_or_texts, "items") and callable(paths_or_texts.items):
        data, failed = _citata.tag_texts(_texts(paths_or_texts.items()), cb, meta, jobs, ingest)
    else:
        items = list(paths_or_texts)
        if items and all(isinstance(p, (str, os.PathLike)) for p in items):
            data, failed = _citata.tag_paths([os.fspath(p) for p in items], cb, meta, jobs, ingest)
        elif all(isinstance(p, tuple) for p in items):
            data, failed = _citata.tag_texts(_texts(items), cb, meta, jobs, ingest)
        else:
            raise TypeError("paths (str or os.PathLike), (doc_id, text) pairs, or a {doc_id: text} mapping")
    _failed(failed, errors, stacklevel=4)
    return data


def tag(
    paths_or_texts,
    codebook=None,
    meta: Optional[Mapping[str, Mapping[str, str]]] = None,
    *,
    jobs: Optional[int] = None,
    errors: str = "raise",
) -> pa.Table:
    """Codes transcripts; one row per coding, the fields of `citata tag --format ndjson`.

    paths_or_texts: files or folders (a path or a list of them, read as `citata tag` reads
        them: encodings detected, respondents.csv metadata), or texts: a {doc_id: text}
        mapping (a pandas Series works) or (doc_id, text) pairs; a text may be a file's bytes
        (encoding detected as for a file). A doc id ending in .vtt, .srt, .json or .md (or
        .docx, for bytes) is read in that format, any other as plain text.
    codebook: a `citata.Codebook`, a codebook file or TOML text; the embedded default if None.
    meta: {doc_id: {key: value}}, metadata as a respondents.csv row would give it (it can
        decide who is the interviewer and who the respondent).
    jobs: worker threads (all cores if None).
    errors: what to do with transcripts that cannot be read: "raise" a CitataError naming
        each (after the pass), "warn" (a warning each, the others' codings returned), "ignore".
    """
    return _table(_run(paths_or_texts, codebook, meta, jobs, errors, False))


def ingest(
    paths_or_texts,
    meta: Optional[Mapping[str, Mapping[str, str]]] = None,
    *,
    jobs: Optional[int] = None,
    errors: str = "raise",
) -> pa.Table:
    """Reads transcripts; one row per transcript, the fields of `citata ingest --format
    ndjson` (canonical text, speakers, turns, sentences, code point offsets), in the columns
    and types of `INGEST_SCHEMA`. Arguments as for `tag`."""
    import json

    rows = []
    for line in _run(paths_or_texts, None, meta, jobs, errors, True).splitlines():
        r = json.loads(line)
        r["meta"] = list(r["meta"].items())
        for s in r["sentences"]:
            s.setdefault("marks", [])
            s.setdefault("non_speech", False)
        rows.append(r)
    return pa.Table.from_pylist(rows, schema=INGEST_SCHEMA)


def _paths(paths) -> list:
    """Paths (a path or a list of them) as strings; an empty list gives an empty table."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if not all(isinstance(p, (str, os.PathLike)) for p in paths):
        raise TypeError("paths: a path (str or os.PathLike) or a list of them")
    return [os.fspath(p) for p in paths]


def _meta(meta):
    return None if meta is None else {str(d): {str(k): str(v) for k, v in m.items()} for d, m in meta.items()}


def _failed(failed, errors: str, stacklevel: int = 3) -> None:
    """What `errors` says to do with the transcripts that could not be read."""
    if failed:
        if errors == "raise":
            raise CitataError("\n".join(failed))
        if errors == "warn":
            for f in failed:
                warnings.warn(f"citata: {f}", stacklevel=stacklevel)


def _rows(data: bytes, schema: pa.Schema) -> pa.Table:
    """The NDJSON lines as a table of `schema` (a few rows a parameter: no need for
    pyarrow.json's block reader)."""
    import json

    return pa.Table.from_pylist([json.loads(line) for line in data.splitlines()], schema=schema)


def quotes(
    paths,
    codebook=None,
    meta: Optional[Mapping[str, Mapping[str, str]]] = None,
    *,
    top: Optional[int] = None,
    params: Iterable[str] = (),
    polarity: str = "any",
    mask: bool = True,
    jobs: Optional[int] = None,
    errors: str = "raise",
) -> pa.Table:
    """The top quotes per parameter of the transcripts under `paths`, as `citata quotes
    --format ndjson` gives them (columns and types of `QUOTES_SCHEMA`).

    top: quotes per parameter (`--top`; the default settings' 3 if None).
    params: only these parameter ids (`--param`); all if empty. An unknown id raises.
    polarity: "any", "positive" (praise) or "negative" (criticism) (`--polarity`).
    mask: names, phones and e-mails masked in the text (False: `--no-mask`).
    codebook, meta, jobs, errors: as for `tag`.
    """
    _check_errors(errors)
    if isinstance(params, str):
        params = [params]
    paths = _paths(paths)
    if not paths:
        return QUOTES_SCHEMA.empty_table()
    data, failed = _citata.quotes_paths(
        paths, _codebook(codebook), _meta(meta), jobs, top, [str(p) for p in params], polarity, mask
    )
    _failed(failed, errors)
    return _rows(data, QUOTES_SCHEMA)


def ratings(
    paths,
    codebook=None,
    meta: Optional[Mapping[str, Mapping[str, str]]] = None,
    *,
    jobs: Optional[int] = None,
    errors: str = "raise",
) -> pa.Table:
    """The ratings (1–10) per transcript and parameter of the transcripts under `paths`, as
    `citata ratings --format ndjson` gives them (columns and types of `RATINGS_SCHEMA`); a
    folder's ratings.csv overrides the transcripts' values, each override told as a warning.
    codebook, meta, jobs, errors: as for `tag`.
    """
    _check_errors(errors)
    paths = _paths(paths)
    if not paths:
        return RATINGS_SCHEMA.empty_table()
    data, failed, notes = _citata.ratings_paths(paths, _codebook(codebook), _meta(meta), jobs)
    _failed(failed, errors)
    for n in notes:
        warnings.warn(f"citata: {n}", stacklevel=2)
    return _rows(data, RATINGS_SCHEMA)
