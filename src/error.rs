//! The library's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in citata's engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    // The cause is in the message (per-file errors print `{e}`), so it is not also a
    // `source`: printing the chain would say it twice.
    #[error("reading {path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// A file was read but its content is not a usable transcript.
    #[error("{path}: {reason}")]
    BadInput {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A file's content is not a usable transcript: its reader says why (the kind tells which
    /// reader: encoding, .docx, subtitles, JSON).
    #[error("{path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The reader's refusal.
        reason: crate::ingest::ReadError,
    },
    /// A codebook has errors; each line of `message` is one, with its line and column.
    #[error("codebook {source_name} has errors:\n{message}")]
    Codebook {
        /// The file (or the embedded default's name).
        source_name: String,
        /// The errors, one per line.
        message: String,
    },
    /// The search index: locked, corrupt, out of space, of an older layout, ...
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// The file's extension is not one citata reads.
    #[error("{path}: unsupported file type; citata reads .txt, .md, .docx, .vtt, .srt and .json")]
    Unsupported {
        /// The file.
        path: PathBuf,
    },
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// The cause of an I/O error in the words of citata's messages: a full disk (`ENOSPC`,
/// also behind a wrapper error) is "no space left on device", in those words, so the user
/// knows to free space; other errors as the system gives them.
pub fn io_reason(e: &std::io::Error) -> String {
    if is_disk_full(e) {
        "no space left on device".to_string()
    } else {
        e.to_string()
    }
}

/// True when an I/O error, or one it wraps, is a full disk (`ENOSPC`) or an exceeded quota.
pub fn is_disk_full(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    if matches!(e.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded) {
        return true;
    }
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<std::io::Error>())
        .is_some_and(is_disk_full)
}
