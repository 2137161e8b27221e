//! The index's folder as tantivy sees it: tantivy's `MmapDirectory`, watched so that a full
//! disk is named as such, with recovery after a crash, and (for the tests) failpoints that
//! stop the process at a named stage of a commit.
//!
//! A commit of tantivy writes, in order: the new segments' files, the delete bitsets of the
//! old segments (`<segment>.<opstamp>.del`), `meta.json` (a `.tmpXXXXXX` file renamed over
//! it), then removes the files no commit uses. A process killed in between leaves files that
//! `meta.json` does not reference; the next writer would stumble on them (a `.del` file of
//! the same name: `FileAlreadyExists`). [`recover`] removes them before anything is written.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, TerminatingWrite,
    WatchCallback, WatchHandle, WritePtr,
};

/// The environment variable that names a failpoint (tests only): the process aborts, as if
/// killed, at that stage of the next commit.
///
/// - `segment`: a new segment's file has been written;
/// - `del`: a delete bitset (`<segment>.<opstamp>.del`) has been written;
/// - `meta-tmp`: `meta.json`'s temporary file has been written, not yet renamed;
/// - `meta`: `meta.json` has been replaced, the files of the old commit not yet removed;
/// - `managed`: tantivy's list of its files (`.managed.json`) is half replaced.
pub const FAILPOINT_ENV: &str = "CITATA_FAILPOINT";

/// The failpoints [`FAILPOINT_ENV`] knows.
pub const FAILPOINTS: [&str; 5] = ["segment", "del", "meta-tmp", "meta", "managed"];

/// tantivy's `MmapDirectory` that remembers whether a write failed for want of space.
#[derive(Clone, Debug)]
pub struct WatchedDirectory {
    inner: MmapDirectory,
    root: PathBuf,
    disk_full: Arc<AtomicBool>,
    failpoint: Option<Arc<str>>,
}

impl WatchedDirectory {
    /// Opens the folder.
    ///
    /// # Errors
    /// When it does not exist or is not a folder.
    pub fn open(root: &Path) -> tantivy::Result<WatchedDirectory> {
        let failpoint = std::env::var(FAILPOINT_ENV)
            .ok()
            .filter(|f| FAILPOINTS.contains(&f.as_str()))
            .map(Arc::from);
        Ok(WatchedDirectory {
            inner: MmapDirectory::open(root).map_err(tantivy::TantivyError::from)?,
            root: root.to_path_buf(),
            disk_full: Arc::new(AtomicBool::new(false)),
            failpoint,
        })
    }

    /// The flag that a write ran out of space (shared by every clone).
    pub fn disk_full(&self) -> Arc<AtomicBool> {
        self.disk_full.clone()
    }

    fn at(&self, stage: &str) -> bool {
        self.failpoint.as_deref() == Some(stage)
    }

    fn note<T>(&self, r: io::Result<T>) -> io::Result<T> {
        note(&self.disk_full, r)
    }
}

fn note<T>(flag: &AtomicBool, r: io::Result<T>) -> io::Result<T> {
    if let Err(e) = &r
        && crate::error::is_disk_full(e)
    {
        flag.store(true, Ordering::Relaxed);
    }
    r
}

/// Stops the process at once, as `kill -9` would: no destructor runs, nothing is flushed
/// (nothing printed either: the main thread may hold the lock of stderr).
fn die(_stage: &str) -> ! {
    std::process::abort()
}

impl Directory for WatchedDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let w = self.inner.open_write(path).inspect_err(|e| {
            if let OpenWriteError::IoError { io_error, .. } = e
                && crate::error::is_disk_full(io_error)
            {
                self.disk_full.store(true, Ordering::Relaxed);
            }
        })?;
        let stage = if path.extension().is_some_and(|e| e == "del") {
            "del"
        } else {
            "segment"
        };
        let inner = w.into_inner().map_err(|e| {
            OpenWriteError::wrap_io_error(io::Error::other(e.to_string()), path.to_path_buf())
        })?;
        Ok(io::BufWriter::new(Box::new(WatchedWrite {
            inner,
            disk_full: self.disk_full.clone(),
            die_at_end: self.at(stage).then_some(stage),
        })))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let meta = path == Path::new("meta.json");
        let managed = path == Path::new(".managed.json");
        if (meta && self.at("meta-tmp")) || (managed && self.at("managed")) {
            // What a kill between the write of the temporary file and its rename leaves.
            let mut tmp = std::fs::File::create_new(
                self.root
                    .join(format!(".tmp{:06x}", std::process::id() & 0xff_ffff)),
            )?;
            tmp.write_all(data)?;
            tmp.sync_all()?;
            die(if meta { "meta-tmp" } else { "managed" });
        }
        let r = self.note(self.inner.atomic_write(path, data));
        if meta && r.is_ok() && self.at("meta") {
            die("meta");
        }
        r
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.note(self.inner.sync_directory())
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

/// A file being written: errors for want of space set the flag; with a failpoint on this
/// kind of file, the process stops once it is complete.
struct WatchedWrite {
    inner: Box<dyn TerminatingWrite + Send + Sync>,
    disk_full: Arc<AtomicBool>,
    die_at_end: Option<&'static str>,
}

impl Write for WatchedWrite {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        note(&self.disk_full, self.inner.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        note(&self.disk_full, self.inner.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        note(&self.disk_full, self.inner.flush())
    }
}

impl TerminatingWrite for WatchedWrite {
    fn terminate_ref(&mut self, token: AntiCallToken) -> io::Result<()> {
        note(&self.disk_full, self.inner.terminate_ref(token))?;
        if let Some(stage) = self.die_at_end {
            die(stage);
        }
        Ok(())
    }
}

/// After a crash: removes the temporary files of `meta.json` and `.managed.json` that were
/// never renamed (`.tmpXXXXXX`; only the writer, whose lock the caller holds, makes them)
/// and, through tantivy's garbage collection, every file of tantivy's that `meta.json` does
/// not reference (segments of a commit that never happened, delete bitsets of one). Returns
/// how many files were removed.
///
/// # Errors
/// When the folder cannot be listed or a file removed.
pub fn recover(root: &Path, writer: &super::Writer) -> tantivy::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".tmp") && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    let gc = writer.garbage_collect_files().wait()?;
    Ok(removed + gc.deleted_files.len())
}
