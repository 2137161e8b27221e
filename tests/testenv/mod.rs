//! Helpers for the CLI tests: run the built `citata`, decode its NDJSON into a pinned
//! schema, write fixtures (including .docx files and a zip bomb) into temporary folders.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use zip::write::SimpleFileOptions;

// ---------------------------------------------------------------------------------------
// Running the binary

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `citata` with `args`.
pub fn citata<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_citata"))
        .args(args)
        .output()
        .expect("the citata binary runs");
    Run {
        code: out
            .status
            .code()
            .expect("citata exits normally, not by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `citata ingest --format ndjson EXTRA... PATH`: the decoded transcripts and the run.
pub fn ingest_ndjson(path: &Path, extra: &[&str]) -> (Vec<Wire>, Run) {
    let mut args: Vec<&OsStr> = vec!["ingest".as_ref(), "--format".as_ref(), "ndjson".as_ref()];
    args.extend(extra.iter().map(OsStr::new));
    args.push(path.as_os_str());
    let run = citata(&args);
    let docs = run.stdout.lines().map(decode).collect();
    (docs, run)
}

/// Ingests one file or folder that must succeed without any error; returns its transcripts.
pub fn ingest_ok(path: &Path) -> Vec<Wire> {
    let (docs, run) = ingest_ndjson(path, &[]);
    assert_eq!(
        run.code,
        0,
        "citata failed on {}: {}",
        path.display(),
        run.stderr
    );
    assert_eq!(run.stderr, "", "unexpected stderr");
    docs
}

/// Ingests one file that must give exactly one transcript.
pub fn ingest_one(path: &Path) -> Wire {
    let mut docs = ingest_ok(path);
    assert_eq!(docs.len(), 1, "one NDJSON line per transcript");
    docs.remove(0)
}

/// Decodes one NDJSON line into the pinned schema (unknown fields are an error).
pub fn decode(line: &str) -> Wire {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("line does not fit the schema: {e}"))
}

// ---------------------------------------------------------------------------------------
// The pinned NDJSON schema (mirrors WireTranscript in src/cli/ingest.rs)

/// One NDJSON line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wire {
    pub r#type: String,
    pub doc: String,
    pub format: String,
    pub encoding: String,
    pub meta: BTreeMap<String, String>,
    pub text: String,
    pub speakers: Vec<WireSpeaker>,
    pub turns: Vec<WireTurn>,
    pub sentences: Vec<WireSentence>,
    pub warnings: Vec<String>,
    /// Byte offset of every code point of `text`, and of its end (built on first use).
    #[serde(skip)]
    bytes_at: OnceCell<Vec<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSpeaker {
    pub label: String,
    pub role: String,
    pub role_source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireTurn {
    pub speaker: String,
    pub role: String,
    pub start: usize,
    pub end: usize,
    pub start_time: Option<f64>,
    pub end_time: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSentence {
    pub turn: usize,
    pub start: usize,
    pub end: usize,
    pub marks: Option<Vec<[usize; 2]>>,
    pub non_speech: Option<bool>,
}

impl Wire {
    /// The text between two code point offsets: `text.chars().skip(start).take(end -
    /// start)`, through an index so that huge texts stay fast.
    pub fn slice(&self, start: usize, end: usize) -> String {
        let at = self.bytes_at.get_or_init(|| {
            let mut v: Vec<usize> = self.text.char_indices().map(|(i, _)| i).collect();
            v.push(self.text.len());
            v
        });
        assert!(start <= end, "span {start}..{end} is reversed");
        assert!(
            end < at.len(),
            "span {start}..{end} is past the end ({} chars)",
            at.len() - 1
        );
        self.text[at[start]..at[end]].to_string()
    }

    /// `(label, role, role_source)` per speaker.
    pub fn speakers(&self) -> Vec<(&str, &str, &str)> {
        self.speakers
            .iter()
            .map(|s| (s.label.as_str(), s.role.as_str(), s.role_source.as_str()))
            .collect()
    }

    /// `(speaker, text)` per turn.
    pub fn turn_texts(&self) -> Vec<(String, String)> {
        self.turns
            .iter()
            .map(|t| (t.speaker.clone(), self.slice(t.start, t.end)))
            .collect()
    }

    /// `(start_time, end_time)` per turn.
    pub fn turn_times(&self) -> Vec<(Option<f64>, Option<f64>)> {
        self.turns
            .iter()
            .map(|t| (t.start_time, t.end_time))
            .collect()
    }

    /// The text of every sentence.
    pub fn sentence_texts(&self) -> Vec<String> {
        self.sentences
            .iter()
            .map(|s| self.slice(s.start, s.end))
            .collect()
    }

    /// The sentences of turn `i`.
    pub fn sentences_of(&self, i: usize) -> Vec<String> {
        self.sentences
            .iter()
            .filter(|s| s.turn == i)
            .map(|s| self.slice(s.start, s.end))
            .collect()
    }

    /// The meta as `(key, value)` string pairs, sorted.
    pub fn meta(&self) -> Vec<(&str, &str)> {
        self.meta
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// `(label, text)` pairs from string literals.
pub fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Files

/// A fresh temporary folder.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Writes `bytes` to `dir/name` (creating subfolders) and returns the path.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create the fixture folder");
    }
    std::fs::write(&path, bytes).expect("write the fixture");
    path
}

/// Every file under `dir` with its content, to show that a run wrote nothing there.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("list the folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            out.extend(snapshot(&path));
        } else {
            let bytes = std::fs::read(&path).expect("read the file");
            out.insert(path, bytes);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// .docx

/// A zip archive in memory with the given parts, deflated.
pub fn zip_with(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(*name, SimpleFileOptions::default())
            .expect("start a zip entry");
        zip.write_all(content.as_bytes())
            .expect("write a zip entry");
    }
    zip.finish().expect("finish the zip").into_inner()
}

/// A minimal .docx whose body is `body` (WordprocessingML).
pub fn docx(body: &str) -> Vec<u8> {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    zip_with(&[
        ("[Content_Types].xml", "<Types/>"),
        ("word/document.xml", &xml),
    ])
}

/// One paragraph with one run (the text is inserted as is: escape `&` yourself).
pub fn para(text: &str) -> String {
    format!(r#"<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
}

/// A table, one paragraph per cell.
pub fn table(rows: &[&[&str]]) -> String {
    let rows: String = rows
        .iter()
        .map(|cells| {
            let cells: String = cells
                .iter()
                .map(|c| format!("<w:tc>{}</w:tc>", para(c)))
                .collect();
            format!("<w:tr>{cells}</w:tr>")
        })
        .collect();
    format!("<w:tbl><w:tblPr/><w:tblGrid/>{rows}</w:tbl>")
}

// ---------------------------------------------------------------------------------------
// A real zip bomb, cheaply: a hand-made deflate stream of one 64-byte paragraph repeated.
//
// The stream is a stored block (the XML head and one paragraph), then `blocks` identical
// fixed-Huffman blocks of `MATCHES` copies of <length 258, distance 64> each, then a final
// stored block with the rest of the last paragraph and the XML tail. Each fixed block is a
// whole number of bytes (3 + 17 * MATCHES + 7 bits), so its bytes are written once and
// repeated. The CRC-32 of the inflated XML is computed without inflating it: the CRC update
// over one paragraph is an affine map of the register, raised to the number of paragraphs.

/// The repeated paragraph: exactly 64 bytes, the match distance.
pub const BOMB_PARA: &str = "<w:p><w:r><w:t>ну да, да, вот так.</w:t></w:r></w:p>";
const BOMB_HEAD: &str = "<w:document xmlns:w=\"w\"><w:body>";
const BOMB_TAIL: &str = "</w:body></w:document>";
/// Matches per fixed block; 10 + 17 * MATCHES is a multiple of 8.
const MATCHES: usize = 1022;

/// The fewest fixed blocks whose XML is over `cap` bytes.
pub fn bomb_blocks_over(cap: u64) -> usize {
    (cap / (MATCHES as u64 * 258) + 1) as usize
}

/// Bytes of XML that `blocks` fixed blocks inflate to.
pub fn bomb_xml_len(blocks: usize) -> u64 {
    let (paras, _) = bomb_layout(blocks);
    (BOMB_HEAD.len() + paras * BOMB_PARA.len() + BOMB_TAIL.len()) as u64
}

/// The number of paragraphs, and the bytes of the last one that the final block writes.
fn bomb_layout(blocks: usize) -> (usize, usize) {
    let p = BOMB_PARA.len();
    let copied = blocks * MATCHES * 258;
    let rest = p - copied % p;
    ((p + copied + rest) / p, rest)
}

/// The inflated XML, for checking the builder on a small bomb.
pub fn bomb_xml(blocks: usize) -> String {
    let (paras, _) = bomb_layout(blocks);
    format!("{BOMB_HEAD}{}{BOMB_TAIL}", BOMB_PARA.repeat(paras))
}

/// A .docx whose word/document.xml is `bomb_xml(blocks)`, with honest sizes and CRC.
pub fn bomb_docx(blocks: usize) -> Vec<u8> {
    assert_eq!(BOMB_PARA.len(), 64);
    let (paras, rest) = bomb_layout(blocks);
    let mut deflate = Vec::new();
    stored_block(
        &mut deflate,
        false,
        format!("{BOMB_HEAD}{BOMB_PARA}").as_bytes(),
    );
    let block = fixed_block();
    for _ in 0..blocks {
        deflate.extend_from_slice(&block);
    }
    let last = &BOMB_PARA.as_bytes()[BOMB_PARA.len() - rest..];
    stored_block(&mut deflate, true, &[last, BOMB_TAIL.as_bytes()].concat());

    let mut reg = crc_update(!0, BOMB_HEAD.as_bytes());
    reg = Affine::of(BOMB_PARA.as_bytes()).pow(paras).apply(reg);
    let crc = !crc_update(reg, BOMB_TAIL.as_bytes());
    let size = u32::try_from(bomb_xml_len(blocks)).expect("under 4 GiB");
    zip_stored_entry("word/document.xml", &deflate, crc, size)
}

fn stored_block(out: &mut Vec<u8>, last: bool, data: &[u8]) {
    let len = u16::try_from(data.len()).expect("a stored block holds up to 64 KiB");
    out.push(u8::from(last));
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
}

/// One non-final fixed-Huffman block of `MATCHES` <258, 64> matches, byte-aligned.
fn fixed_block() -> Vec<u8> {
    let mut w = Bits::default();
    w.int(0, 1); // BFINAL
    w.int(1, 2); // BTYPE = fixed Huffman
    for _ in 0..MATCHES {
        w.code(0b1100_0101, 8); // length code 285: 258 bytes
        w.code(0b01011, 5); // distance code 11: 49..=64
        w.int(15, 4); // + 15 = 64
    }
    w.code(0, 7); // end of block
    assert_eq!(w.nbits, 0, "the block ends on a byte boundary");
    w.bytes
}

#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    acc: u8,
    nbits: u8,
}

impl Bits {
    fn bit(&mut self, b: u32) {
        self.acc |= ((b & 1) as u8) << self.nbits;
        self.nbits += 1;
        if self.nbits == 8 {
            self.bytes.push(self.acc);
            self.acc = 0;
            self.nbits = 0;
        }
    }

    /// An integer, least significant bit first.
    fn int(&mut self, v: u32, n: u32) {
        (0..n).for_each(|i| self.bit(v >> i));
    }

    /// A Huffman code, most significant bit first.
    fn code(&mut self, v: u32, n: u32) {
        (0..n).rev().for_each(|i| self.bit(v >> i));
    }
}

/// The CRC-32 register after `data`, without the initial and final inversion.
fn crc_update(mut reg: u32, data: &[u8]) -> u32 {
    for &b in data {
        reg ^= u32::from(b);
        for _ in 0..8 {
            reg = if reg & 1 == 1 {
                (reg >> 1) ^ 0xEDB8_8320
            } else {
                reg >> 1
            };
        }
    }
    reg
}

/// An affine map on the CRC register over GF(2): `cols[i]` is the image of bit `i`.
#[derive(Clone, Copy)]
struct Affine {
    cols: [u32; 32],
    add: u32,
}

impl Affine {
    fn of(data: &[u8]) -> Affine {
        let add = crc_update(0, data);
        Affine {
            cols: std::array::from_fn(|i| crc_update(1 << i, data) ^ add),
            add,
        }
    }

    fn apply(&self, v: u32) -> u32 {
        (0..32)
            .filter(|i| v >> i & 1 == 1)
            .fold(self.add, |acc, i| acc ^ self.cols[i])
    }

    /// `self` after `other`.
    fn after(&self, other: &Affine) -> Affine {
        let linear = |v: u32| self.apply(v) ^ self.add;
        Affine {
            cols: std::array::from_fn(|i| linear(other.cols[i])),
            add: self.apply(other.add),
        }
    }

    fn pow(self, mut n: usize) -> Affine {
        let mut result = Affine {
            cols: std::array::from_fn(|i| 1 << i),
            add: 0,
        };
        let mut base = self;
        while n > 0 {
            if n & 1 == 1 {
                result = result.after(&base);
            }
            base = base.after(&base);
            n >>= 1;
        }
        result
    }
}

/// A zip archive of one deflated entry, written by hand (the zip crate compresses itself).
fn zip_stored_entry(name: &str, deflated: &[u8], crc: u32, size: u32) -> Vec<u8> {
    let csize = u32::try_from(deflated.len()).expect("small");
    let name_len = u16::try_from(name.len()).expect("short name");
    let common = |out: &mut Vec<u8>| {
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&8u16.to_le_bytes()); // deflate
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra length
    };
    let mut out = Vec::new();
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    common(&mut out);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(deflated);
    let cd_start = u32::try_from(out.len()).expect("small");
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes()); // version made by
    common(&mut out);
    out.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
    out.extend_from_slice(&0u32.to_le_bytes()); // external attributes
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(name.as_bytes());
    let cd_len = u32::try_from(out.len()).expect("small") - cd_start;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]); // disks, entries here, entries
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}
