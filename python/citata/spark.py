"""citata on Apache Spark: tag a DataFrame of transcripts on the executors.

Each executor runs the Rust engine on Arrow batches (`DataFrame.mapInArrow`); the codebook
travels as TOML text in the task closure. The executors need the `citata` package (and
pyarrow) installed; see docs/scale.md.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import pyarrow as pa

from . import TAG_SCHEMA, Codebook

# The Spark schema of TAG_SCHEMA (the fields of `citata tag --format ndjson`).
_SPARK_TYPES = {
    pa.string(): "string",
    pa.int64(): "bigint",
    pa.float64(): "double",
    pa.bool_(): "boolean",
}


def _ddl(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return f"array<{_ddl(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"`{f.name}`:{_ddl(f.type)}" for f in t) + ">"
    return _SPARK_TYPES[t]


def out_name(meta_col: str) -> str:
    """The result column of a metadata column: its own name, or `meta_NAME` when a coding
    field has that name (a respondents.csv `role`, say)."""
    return f"meta_{meta_col}" if meta_col in TAG_SCHEMA.names else meta_col


def spark_schema(meta_cols: Sequence[str] = ()) -> str:
    """The DDL schema of `tag_dataframe`'s result: the codings' fields, then `meta_cols`."""
    cols = [f"`{f.name}` {_ddl(f.type)}" for f in TAG_SCHEMA]
    cols += [f"`{out_name(m)}` string" for m in meta_cols]
    return ", ".join(cols)


_CODEBOOKS: dict = {}


def _tag_batches(
    batches: Iterable[pa.RecordBatch],
    toml: str,
    text_col: str,
    id_col: str,
    meta_cols: Sequence[str],
    jobs: Optional[int],
) -> Iterable[pa.RecordBatch]:
    """Runs on an executor: each batch of transcripts to a batch of codings."""
    import citata

    cb = _CODEBOOKS.get(toml)
    if cb is None:
        cb = _CODEBOOKS[toml] = citata.Codebook.from_toml(toml)
    out_schema = TAG_SCHEMA
    for m in meta_cols:
        out_schema = out_schema.append(pa.field(out_name(m), pa.string()))
    for batch in batches:
        ids = [str(d) for d in batch.column(id_col).to_pylist()]
        texts = batch.column(text_col).to_pylist()
        metas = {}
        for m in meta_cols:
            for d, v in zip(ids, batch.column(m).to_pylist()):
                if v is not None:
                    metas.setdefault(d, {})[m] = str(v)
        table = citata.tag(
            [(d, t) for d, t in zip(ids, texts) if t is not None],
            codebook=cb,
            meta=metas or None,
            jobs=jobs,
            errors="warn",
        )
        for m in meta_cols:
            by_doc = {d: metas.get(d, {}).get(m) for d in ids}
            col = pa.array([by_doc.get(d) for d in table.column("doc").to_pylist()], pa.string())
            table = table.append_column(pa.field(out_name(m), pa.string()), col)
        for b in table.cast(out_schema).to_batches():
            yield b


def tag_dataframe(
    df,
    text_col: str,
    id_col: str,
    codebook: Optional[object] = None,
    meta_cols: Sequence[str] = (),
    jobs: Optional[int] = 1,
):
    """Codes the transcripts of a Spark DataFrame: one row per coding.

    df: a DataFrame with a doc id column and a text column (str, or a file's bytes, e.g. from
        `binaryFiles`, whose encoding citata detects); `meta_cols` are string columns of
        metadata (as in a respondents.csv: they can decide roles) copied onto each coding
        (as `meta_NAME` when a coding field is named NAME, e.g. `role`).
    codebook: a citata.Codebook, a codebook file or TOML text; the default if None.
    jobs: engine threads per Spark task (a task has spark.task.cpus cores, 1 by default;
        None: all cores of the executor's machine).
    Returns a DataFrame with the fields of `citata tag --format ndjson`, then `meta_cols`.
    """
    if codebook is None:
        toml = Codebook.default().toml
    elif isinstance(codebook, Codebook):
        toml = codebook.toml
    else:
        toml = Codebook.from_toml(codebook).toml  # checked here, on the driver
    meta_cols = tuple(meta_cols)
    cols = [id_col, text_col, *[m for m in meta_cols if m not in (id_col, text_col)]]

    def run(batches):
        return _tag_batches(batches, toml, text_col, id_col, meta_cols, jobs)

    return df.select(*cols).mapInArrow(run, spark_schema(meta_cols))
