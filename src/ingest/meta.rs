//! Respondent metadata: front matter at the top of txt/md, and `respondents.csv` files.
//!
//! Front matter is a block of `key: value` lines between two `---` lines at the very top of
//! the file. A `respondents.csv` (comma- or semicolon-separated, UTF-8 or Windows-1251, with a
//! header row) has a `file` column naming transcripts by file name or by path relative to the
//! csv's folder; its other columns are free (respondent, company, division, role, wave,
//! date, interviewer, ...). The nearest csv above a file that names it wins. Keys are
//! lowercased and trimmed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// The name of the metadata file looked for in corpus folders.
pub const RESPONDENTS_CSV: &str = "respondents.csv";

/// Parses front matter at the top of `text`. Returns the pairs and the byte offset where the
/// transcript proper begins (0 when there is no front matter).
pub fn front_matter(text: &str) -> (Vec<(String, String)>, usize) {
    let Some(first_end) = text.find('\n') else {
        return (Vec::new(), 0);
    };
    if text[..first_end].trim_end() != "---" {
        return (Vec::new(), 0);
    }
    let mut pairs = Vec::new();
    let mut pos = first_end + 1;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..end].trim();
        let next = (end + 1).min(text.len());
        if line == "---" || line == "..." {
            return (pairs, next);
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_lowercase();
            let v = v.trim().trim_matches('"').trim_matches('\'').trim();
            if !k.is_empty() {
                pairs.push((k, v.to_string()));
            }
        } else if !line.is_empty() && !line.starts_with('#') {
            // Not front matter after all (a `---` rule at the top of a transcript).
            return (Vec::new(), 0);
        }
        pos = next;
    }
    // No closing `---`: not front matter.
    (Vec::new(), 0)
}

/// Rows of one respondents.csv: key (file name or relative path, lowercased) → metadata.
type CsvRows = FxHashMap<String, BTreeMap<String, String>>;

/// Loads each folder's respondents.csv once while a corpus is walked.
#[derive(Default)]
pub struct CsvCache {
    folders: FxHashMap<PathBuf, Option<CsvRows>>,
}

impl CsvCache {
    /// Metadata for `file` from the nearest respondents.csv in its folder or above, up to
    /// `root`, that names it.
    ///
    /// # Errors
    /// When a respondents.csv exists but cannot be read or parsed.
    pub fn lookup(&mut self, root: &Path, file: &Path) -> Result<BTreeMap<String, String>> {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let mut dir = file.parent();
        while let Some(d) = dir {
            let rows = self.rows(d)?;
            if let Some(rows) = rows {
                let rel = file
                    .strip_prefix(d)
                    .map(|r| {
                        r.components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/")
                            .to_lowercase()
                    })
                    .unwrap_or_default();
                if let Some(m) = rows.get(&rel).or_else(|| rows.get(&name)) {
                    return Ok(m.clone());
                }
            }
            if d == root || d.as_os_str().is_empty() {
                break;
            }
            dir = d.parent();
        }
        Ok(BTreeMap::new())
    }

    fn rows(&mut self, dir: &Path) -> Result<Option<&CsvRows>> {
        if !self.folders.contains_key(dir) {
            let path = dir.join(RESPONDENTS_CSV);
            let rows = if path.is_file() {
                Some(read_csv(&path)?)
            } else {
                None
            };
            self.folders.insert(dir.to_path_buf(), rows);
        }
        Ok(self.folders[dir].as_ref())
    }
}

/// A corpus csv (respondents.csv, ratings.csv), read whole.
pub struct Table {
    /// The header row, trimmed and lowercased.
    pub headers: Vec<String>,
    /// Each row with its 1-based line in the file.
    pub rows: Vec<(usize, csv::StringRecord)>,
}

impl Table {
    /// The index of a column by its (lowercase) name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

/// Reads a corpus csv: any encoding citata detects, CRLF or LF, comma- or
/// semicolon-separated (Excel in a Russian locale writes semicolons), a header row, every
/// row as long as the header.
///
/// # Errors
/// When the file cannot be read or decoded, or a row is malformed (the message names the
/// file and line).
pub fn read_table(path: &Path) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        cause: e,
    })?;
    let bad = |reason: String| Error::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    let (text, _) = super::encoding::decode(&bytes).map_err(|reason| Error::Read {
        path: path.to_path_buf(),
        reason,
    })?;
    let text = super::canonicalize(text);
    let header = text.lines().next().unwrap_or("");
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(i + 2, |p| p.line() as usize);
            bad(format!("line {line}: {e}"))
        })?;
        rows.push((i + 2, record));
    }
    Ok(Table { headers, rows })
}

/// Reads a respondents.csv into rows keyed by its `file` column.
///
/// # Errors
/// When the file cannot be read or decoded, has no `file` column, or a row is malformed;
/// the message names the file and line.
pub fn read_csv(path: &Path) -> Result<FxHashMap<String, BTreeMap<String, String>>> {
    let bad = |reason: String| Error::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    let table = read_table(path)?;
    let file_col = table.column("file").ok_or_else(|| {
        bad(format!(
            "no `file` column in the header ({}); add one naming each transcript file",
            table.headers.join(", ")
        ))
    })?;
    let mut rows = FxHashMap::default();
    for (line, record) in &table.rows {
        let file = record.get(file_col).unwrap_or("").trim();
        if file.is_empty() {
            return Err(bad(format!("line {line}: empty `file` value")));
        }
        let mut m = BTreeMap::new();
        for (h, v) in table.headers.iter().zip(record.iter()) {
            let v = v.trim();
            if h != "file" && !h.is_empty() && !v.is_empty() {
                m.insert(h.clone(), v.to_string());
            }
        }
        rows.insert(file.replace('\\', "/").to_lowercase(), m);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_parsed_and_skipped() {
        let text = "---\ndivision: Служба закупок\nWave: 2025\n---\nИнтервьюер: Добрый день.\n";
        let (pairs, start) = front_matter(text);
        assert_eq!(
            pairs,
            vec![
                ("division".to_string(), "Служба закупок".to_string()),
                ("wave".to_string(), "2025".to_string())
            ]
        );
        assert_eq!(&text[start..], "Интервьюер: Добрый день.\n");
    }

    #[test]
    fn a_rule_at_the_top_is_not_front_matter() {
        let text = "---\nИнтервьюер: Добрый день, начнём с вопроса о сроках поставки\n";
        assert_eq!(front_matter(text), (Vec::new(), 0));
        let text = "---\nПросто текст без двоеточия\n---\n";
        assert_eq!(front_matter(text), (Vec::new(), 0));
    }

    #[test]
    fn csv_rows_by_file_with_semicolons_and_1251() {
        let dir = tempfile::tempdir().unwrap();
        let csv =
            "file;division;wave\nint1.txt;Служба закупок;2025\nsub/int2.md;Производство;2026\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(csv);
        std::fs::write(dir.path().join(RESPONDENTS_CSV), &bytes).unwrap();
        let rows = read_csv(&dir.path().join(RESPONDENTS_CSV)).unwrap();
        assert_eq!(rows["int1.txt"]["division"], "Служба закупок");
        let mut cache = CsvCache::default();
        let m = cache
            .lookup(dir.path(), &dir.path().join("sub").join("int2.md"))
            .unwrap();
        assert_eq!(m["division"], "Производство");
        assert!(
            cache
                .lookup(dir.path(), &dir.path().join("other.txt"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn csv_without_file_column_or_with_a_ragged_row_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(RESPONDENTS_CSV);
        std::fs::write(&p, "name,division\na.txt,x\n").unwrap();
        let err = read_csv(&p).unwrap_err().to_string();
        assert!(err.contains("no `file` column"), "{err}");
        std::fs::write(&p, "file,division\na.txt,x\nb.txt,y,z\n").unwrap();
        let err = read_csv(&p).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
    }
}
