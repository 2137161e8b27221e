//! What can go wrong with the search index, by kind: a caller tells a locked index from a
//! corrupt one, and has tantivy's own error, not a string.

use std::path::PathBuf;

/// An error of the search index. Each message starts with the index folder and `index:`,
/// but for [`IndexError::Query`] (the user's query).
// tantivy's error is kept in the variant but is not also a `source`: its words are in the
// message already, and printing the chain would say them twice (as with `Error::Io`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// Another process holds the index writer.
    #[error(
        "{}: index: the index is locked by another process (another `citata index` is writing); wait for it to finish",
        dir.display()
    )]
    Locked {
        /// The index folder.
        dir: PathBuf,
    },
    /// The folder holds something tantivy cannot open as this version's index.
    #[error(
        "{}: index: {cause}; this folder holds an index of another version or program: remove it and run `citata index add` again",
        dir.display()
    )]
    Corrupt {
        /// The index folder.
        dir: PathBuf,
        /// What tantivy said.
        cause: tantivy::TantivyError,
    },
    /// A write ran out of space (the index keeps its last commit).
    #[error(
        "{}: index: no space left on device; free some space and run the command again (the index keeps its last commit)",
        dir.display()
    )]
    DiskFull {
        /// The index folder.
        dir: PathBuf,
    },
    /// The index was written by an older citata; `retag` lays it out again.
    #[error(
        "{}: index: this index was written by an older citata (layout {layout}, now {now}); run `citata index retag --index {}` to lay it out again from the transcripts it stores",
        dir.display(),
        dir.display()
    )]
    OldLayout {
        /// The index folder.
        dir: PathBuf,
        /// Its layout.
        layout: u32,
        /// This version's layout.
        now: u32,
    },
    /// `index add --codebook` names another codebook than the one the index was coded with.
    #[error(
        "{}: index: it was coded with the codebook {stored}, not {asked}; to code everything with {asked} run `citata index retag --codebook {asked}`, then add",
        dir.display()
    )]
    OtherCodebook {
        /// The index folder.
        dir: PathBuf,
        /// The codebook the index was coded with.
        stored: String,
        /// The codebook asked for.
        asked: String,
    },
    /// Reading the index's files failed.
    #[error("{}: index: {cause}", dir.display())]
    Io {
        /// The index folder.
        dir: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// A query that cannot be read, or that names a code, level, metadata field, ... the index
    /// does not know: the user's input, not the index's fault, so the message is the query
    /// error's alone (without the folder).
    #[error("{error}")]
    Query {
        /// The index folder.
        dir: PathBuf,
        /// What is wrong with the query.
        error: super::query::QueryError,
    },
    /// Any other error of tantivy's.
    #[error("{}: index: {cause}", dir.display())]
    Tantivy {
        /// The index folder.
        dir: PathBuf,
        /// What tantivy said.
        cause: tantivy::TantivyError,
    },
}

/// The errors the index code meets, each made the [`IndexError`] of its kind.
pub(crate) trait IntoIndexError {
    /// This error, in the index folder `dir`.
    fn in_index(self, dir: &std::path::Path) -> crate::Error;
}

impl IntoIndexError for tantivy::TantivyError {
    fn in_index(self, dir: &std::path::Path) -> crate::Error {
        IndexError::Tantivy {
            dir: dir.to_path_buf(),
            cause: self,
        }
        .into()
    }
}

impl IntoIndexError for std::io::Error {
    fn in_index(self, dir: &std::path::Path) -> crate::Error {
        IndexError::Io {
            dir: dir.to_path_buf(),
            cause: self,
        }
        .into()
    }
}

impl IntoIndexError for super::query::QueryError {
    /// A query that cannot be read is the user's input, not the index's fault.
    fn in_index(self, dir: &std::path::Path) -> crate::Error {
        IndexError::Query {
            dir: dir.to_path_buf(),
            error: self,
        }
        .into()
    }
}
