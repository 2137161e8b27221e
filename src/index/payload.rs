//! What a commit carries besides the documents: the codebook the index was coded with and
//! the layout of its documents.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::Index;

use super::err;
use crate::codebook::Codebook;
use crate::text::Analyzer;

/// The codebook an index was coded with: its name and TOML text, kept in the commit payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexCodebook {
    /// Where it came from (a path, or the embedded default).
    pub name: String,
    /// Its TOML text.
    pub toml: String,
}

impl IndexCodebook {
    /// Reads a codebook file, or the embedded default.
    ///
    /// # Errors
    /// When the file cannot be read or is not UTF-8.
    pub fn read(path: Option<&Path>) -> crate::Result<IndexCodebook> {
        let (name, toml) = Codebook::read_source(path)?;
        Ok(IndexCodebook { name, toml })
    }

    /// Compiles it.
    ///
    /// # Errors
    /// Every error of the codebook, with lines and columns.
    pub fn compile(&self, analyzer: &mut Analyzer) -> crate::Result<Codebook> {
        Codebook::compile(&self.toml, &self.name, analyzer)
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct Payload {
    pub(super) codebook: IndexCodebook,
    /// How documents are laid out ([`super::LAYOUT`]); 1 when absent.
    #[serde(default = "first_layout")]
    pub(super) layout: u32,
}

fn first_layout() -> u32 {
    1
}

/// The payload of the last commit, if any (and readable).
pub(super) fn read_payload(index: &Index, dir: &Path) -> crate::Result<Option<Payload>> {
    Ok(index
        .load_metas()
        .map_err(|e| err(e, dir))?
        .payload
        .and_then(|p| serde_json::from_str(&p).ok()))
}
