//! Quotes a report author pinned (in `citata serve`'s quote board), kept in the study folder
//! as `pins.toml`; the report shows pinned quotes of a parameter first, with the author's
//! trimming.
//!
//! ```toml
//! [[pin]]
//! param = "delivery_time"
//! doc = "w26-zakupki.txt"
//! start = 1532          # code points into the canonical text
//! end = 1701
//! text = "Склад заработал — берём за день."   # optional: the trimming shown
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file name in the study folder.
pub const PINS_FILE: &str = "pins.toml";

/// One pinned quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// Parameter id.
    pub param: String,
    /// Document id.
    pub doc: String,
    /// Start, code points into the canonical text.
    pub start: usize,
    /// End, code points.
    pub end: usize,
    /// The text to show instead of the passage as cut by citata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The pins of a study.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pins {
    /// In the order they were pinned.
    #[serde(default, rename = "pin")]
    pub pins: Vec<Pin>,
}

impl Pins {
    /// The path of a study's pins file.
    pub fn path(study: &Path) -> PathBuf {
        study.join(PINS_FILE)
    }

    /// Reads a study's pins; none when the file does not exist.
    ///
    /// # Errors
    /// When the file cannot be read or is not valid (the message names it).
    pub fn load(study: &Path) -> crate::Result<Pins> {
        let path = Pins::path(study);
        if !path.is_file() {
            return Ok(Pins::default());
        }
        let src = std::fs::read_to_string(&path).map_err(|e| crate::Error::Io {
            path: path.clone(),
            cause: e,
        })?;
        toml::from_str(&src).map_err(|e| crate::Error::BadInput {
            path,
            reason: format!("invalid pins file: {e}"),
        })
    }

    /// Writes the pins (to a temporary file, then renamed over the old one).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, study: &Path) -> crate::Result<()> {
        let path = Pins::path(study);
        let text = toml::to_string(self).map_err(|e| crate::Error::BadInput {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let tmp = path.with_extension("toml.tmp");
        let io = |e| crate::Error::Io {
            path: path.clone(),
            cause: e,
        };
        std::fs::write(
            &tmp,
            format!("# Quotes pinned in `citata serve`; the report shows them first.\n{text}"),
        )
        .map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// Pins a quote (replacing the same passage's earlier pin, so the trimming can change).
    pub fn pin(&mut self, pin: Pin) {
        self.unpin(&pin.param, &pin.doc, pin.start);
        self.pins.push(pin);
    }

    /// Unpins the passage of `doc` starting at `start` for `param`; true when it was pinned.
    pub fn unpin(&mut self, param: &str, doc: &str, start: usize) -> bool {
        let before = self.pins.len();
        self.pins
            .retain(|p| !(p.param == param && p.doc == doc && p.start == start));
        self.pins.len() != before
    }

    /// The pins of a parameter, in pinning order.
    pub fn of<'a>(&'a self, param: &'a str) -> impl Iterator<Item = &'a Pin> + 'a {
        self.pins.iter().filter(move |p| p.param == param)
    }

    /// True when the passage is pinned for the parameter.
    pub fn is_pinned(&self, param: &str, doc: &str, start: usize) -> bool {
        self.of(param).any(|p| p.doc == doc && p.start == start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_survive_a_round_trip_and_replace_the_same_passage() {
        let dir = tempfile::tempdir().unwrap();
        let mut pins = Pins::load(dir.path()).unwrap();
        assert!(pins.pins.is_empty());
        let pin = |start, text: Option<&str>| Pin {
            param: "delivery_time".into(),
            doc: "w26-zakupki.txt".into(),
            start,
            end: start + 40,
            text: text.map(str::to_string),
        };
        pins.pin(pin(10, None));
        pins.pin(pin(90, Some("Склад заработал — «берём за день».")));
        pins.pin(pin(10, Some("Короче.")));
        pins.save(dir.path()).unwrap();
        let back = Pins::load(dir.path()).unwrap();
        assert_eq!(
            back.pins,
            vec![
                pin(90, Some("Склад заработал — «берём за день».")),
                pin(10, Some("Короче."))
            ]
        );
        let mut back = back;
        assert!(back.unpin("delivery_time", "w26-zakupki.txt", 90));
        assert!(!back.unpin("delivery_time", "w26-zakupki.txt", 90));
        assert!(back.is_pinned("delivery_time", "w26-zakupki.txt", 10));
        std::fs::write(Pins::path(dir.path()), "[[pin]]\nparam = 1\n").unwrap();
        let e = Pins::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("pins.toml") && e.contains("invalid pins file"),
            "{e}"
        );
    }
}
