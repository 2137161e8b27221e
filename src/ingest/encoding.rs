//! Encoding detection: UTF-8, UTF-16 with a BOM, Windows-1251 and KOI8-R.
//!
//! Russian transcripts often arrive in Windows-1251 from old Word exports, and now and then
//! in KOI8-R. The rules, in order:
//! 1. a BOM decides (UTF-8, UTF-16LE, UTF-16BE);
//! 2. NUL bytes (more than one per thousand) or many control bytes mean a binary file
//!    (refused); a stray NUL in a text file is dropped;
//! 3. valid UTF-8 is UTF-8;
//! 4. bytes that are mostly valid UTF-8 with a few broken sequences are refused with the
//!    line of the first broken byte (a damaged UTF-8 file, not a legacy encoding);
//! 5. otherwise a single-byte Cyrillic encoding: lowercase letters dominate Russian text, and
//!    they sit at 0xE0–0xFF in Windows-1251 but at 0xC0–0xDF in KOI8-R; the larger count wins.

use encoding_rs::{KOI8_R, UTF_16BE, UTF_16LE, WINDOWS_1251};

use super::ReadError;

/// Like [`decode`], but takes the bytes and, for UTF-8 (the common case), keeps their
/// allocation: no copy.
///
/// # Errors
/// As [`decode`].
pub fn decode_owned(bytes: Vec<u8>) -> Result<(String, &'static str), ReadError> {
    if bytes.starts_with(b"\xEF\xBB\xBF")
        || bytes.starts_with(b"\xFF\xFE")
        || bytes.starts_with(b"\xFE\xFF")
    {
        return decode(&bytes);
    }
    if bytes.contains(&0) || looks_binary(&bytes) {
        return decode(&bytes);
    }
    // Checked with SIMD (simdutf8, several times std's speed on Cyrillic), then copied:
    // the copy costs less than the check it replaces, and needs no unsafe.
    match simdutf8::basic::from_utf8(&bytes) {
        Ok(s) => Ok((s.to_owned(), "UTF-8")),
        Err(_) => decode(&bytes),
    }
}

/// Decodes `bytes`, returning the text and the name of the detected encoding.
///
/// # Errors
/// [`ReadError::Encoding`] for binary files and undecodable bytes, saying why.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), ReadError> {
    decode_text(bytes).map_err(ReadError::Encoding)
}

fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), "UTF-8"))
            .map_err(|e| broken_utf8(rest, e.valid_up_to()));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, UTF_16LE, "UTF-16LE");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, UTF_16BE, "UTF-16BE");
    }
    // A stray NUL or two (a damaged export) is dropped; many NULs mean a binary file.
    let nuls = bytes.iter().filter(|&&b| b == 0).count();
    if nuls > 0 && nuls * 1000 <= bytes.len() {
        let clean: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
        return decode_text(&clean);
    }
    if looks_binary(bytes) {
        return Err("binary file, not text; citata reads .txt, .md, .docx, .vtt, .srt and .json transcripts".into());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), "UTF-8")),
        Err(e) => {
            if mostly_utf8(bytes) {
                return Err(broken_utf8(bytes, e.valid_up_to()));
            }
            single_byte(bytes)
        }
    }
}

fn utf16(
    bytes: &[u8],
    enc: &'static encoding_rs::Encoding,
    name: &'static str,
) -> Result<(String, &'static str), String> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(format!(
            "invalid {name} (broken surrogate or odd byte count); re-save the file as UTF-8"
        ));
    }
    Ok((text.into_owned(), name))
}

/// NUL bytes (UTF-16 without a BOM is not supported) or over 5 % control bytes in the first
/// 64 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    controls * 20 > head.len()
}

/// True when the non-ASCII bytes mostly form valid UTF-8 multi-byte sequences.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut valid = 0usize;
    let mut invalid = 0usize;
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.bytes().filter(|b| *b >= 0x80).count();
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                valid += good.iter().filter(|b| **b >= 0x80).count();
                invalid += 1;
                let skip = e.error_len().unwrap_or(bad.len()).max(1);
                rest = &bad[skip.min(bad.len())..];
            }
        }
    }
    valid > 0 && invalid * 10 < valid
}

fn broken_utf8(bytes: &[u8], at: usize) -> String {
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    format!(
        "invalid UTF-8 at line {line} (byte {at}): the file mixes encodings or is damaged; re-save it as UTF-8"
    )
}

fn single_byte(bytes: &[u8]) -> Result<(String, &'static str), String> {
    let high = bytes.iter().filter(|&&b| b >= 0x80).count();
    let c0_df = bytes
        .iter()
        .filter(|&&b| (0xC0..=0xDF).contains(&b))
        .count();
    let e0_ff = bytes.iter().filter(|&&b| b >= 0xE0).count();
    // Letters of either encoding fill 0xC0..=0xFF (plus ё/Ё); anything else in the high half
    // is punctuation or pseudo-graphics, which a transcript has little of.
    let letters = c0_df + e0_ff;
    if letters * 2 < high {
        return Err(
            "unknown encoding: not UTF-8, and the bytes do not look like Russian in Windows-1251 or KOI8-R; re-save the file as UTF-8"
                .into(),
        );
    }
    let (enc, name) = if e0_ff >= c0_df {
        (WINDOWS_1251, "windows-1251")
    } else {
        (KOI8_R, "KOI8-R")
    };
    let (text, _, _) = enc.decode(bytes);
    Ok((text.into_owned(), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHRASE: &str = "Ну, в целом поставки стали вовремя, твёрдая восьмёрка. ЭДО работает!";

    #[test]
    fn utf8_plain_and_with_bom() {
        assert_eq!(decode(PHRASE.as_bytes()).unwrap(), (PHRASE.into(), "UTF-8"));
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice(PHRASE.as_bytes());
        assert_eq!(decode(&b).unwrap(), (PHRASE.into(), "UTF-8"));
    }

    #[test]
    fn utf16_both_orders() {
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in PHRASE.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode(&le).unwrap(), (PHRASE.into(), "UTF-16LE"));
        assert_eq!(decode(&be).unwrap(), (PHRASE.into(), "UTF-16BE"));
    }

    #[test]
    fn windows_1251_and_koi8r_are_told_apart() {
        let (cp, _, _) = WINDOWS_1251.encode(PHRASE);
        assert_eq!(decode(&cp).unwrap(), (PHRASE.into(), "windows-1251"));
        let (koi, _, _) = KOI8_R.encode(PHRASE);
        assert_eq!(decode(&koi).unwrap(), (PHRASE.into(), "KOI8-R"));
    }

    #[test]
    fn binary_is_refused() {
        let err = decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("binary file"), "{err}");
    }

    #[test]
    fn a_stray_nul_is_dropped_but_many_mean_binary() {
        let mut b = PHRASE.repeat(20).into_bytes();
        b.insert(30, 0);
        let (text, enc) = decode(&b).unwrap();
        assert_eq!((text, enc), (PHRASE.repeat(20), "UTF-8"));
        let many: Vec<u8> = PHRASE.bytes().flat_map(|c| [c, 0]).collect();
        assert!(
            decode(&many)
                .unwrap_err()
                .to_string()
                .starts_with("binary file")
        );
    }

    #[test]
    fn damaged_utf8_names_the_line() {
        let mut b = "Первая строка\nвторая строка\n".as_bytes().to_vec();
        b.extend_from_slice(b"\xD0 \xFF");
        b.extend_from_slice("четвёртая, и ещё много нормального текста по-русски".as_bytes());
        let err = decode(&b).unwrap_err().to_string();
        assert!(err.contains("invalid UTF-8 at line 3"), "{err}");
    }
}
