"""Tag a folder of transcripts on Apache Spark and write the codings as Parquet by wave.

    python examples/spark_tag.py INPUT_DIR OUTPUT_DIR [--codebook FILE] [--master local[2]]

Files are read as bytes (`binaryFiles`), so citata detects their encodings and reads .docx,
as `citata tag` does. A respondents.csv in INPUT_DIR gives each file its metadata (its
columns are copied onto the codings); the Parquet is partitioned by its `wave` column
(`wave=__HIVE_DEFAULT_PARTITION__` for files without one). Needs pyspark, pandas < 3 and the
citata package on the driver and the executors (docs/scale.md).
"""

import argparse
import csv
import os
import sys
from pathlib import Path

EXTENSIONS = (".txt", ".md", ".docx", ".vtt", ".srt", ".json")


def respondents(folder: Path) -> dict:
    """{file name: {column: value}} from folder/respondents.csv, if there is one."""
    path = folder / "respondents.csv"
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["file"]: {k: v for k, v in r.items() if k != "file"} for r in csv.DictReader(f)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input_dir")
    ap.add_argument("output_dir")
    ap.add_argument("--codebook", help="a codebook TOML file (the embedded default if absent)")
    ap.add_argument("--master", help="Spark master (spark-submit's, or local[*], if absent)")
    args = ap.parse_args()
    # The workers must run the interpreter that has pyarrow and citata.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    from pyspark.sql import SparkSession

    import citata
    from citata.spark import tag_dataframe

    codebook = citata.Codebook.from_toml(args.codebook) if args.codebook else None
    builder = SparkSession.builder.appName("citata-tag")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()

    folder = Path(args.input_dir).resolve()
    meta = respondents(folder)
    meta_cols = sorted({k for m in meta.values() for k in m} | {"wave"})
    sc = spark.sparkContext
    # binaryFiles packs small files into few partitions (one for the demo): spread them so
    # that every core tags.
    files = sc.binaryFiles(folder.as_uri()).repartition(sc.defaultParallelism * 4)
    rows = (
        files.map(lambda pc: (pc[0].rsplit("/", 1)[-1], pc[1]))
        .filter(lambda dc: dc[0].lower().endswith(EXTENSIONS))
        .map(lambda dc: (dc[0], bytes(dc[1]), *[meta.get(dc[0], {}).get(c) for c in meta_cols]))
    )
    schema = ", ".join(["doc string", "content binary"] + [f"`{c}` string" for c in meta_cols])
    df = spark.createDataFrame(rows, schema)
    codings = tag_dataframe(df, "content", "doc", codebook, meta_cols=meta_cols)
    codings.write.mode("overwrite").partitionBy("wave").parquet(args.output_dir)
    spark.stop()


if __name__ == "__main__":
    main()
