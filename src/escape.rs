//! The one XML/HTML escaper: the report's HTML, the web pages, the Word document and the
//! REFI-QDA project all write text through it.

/// Escapes text for XML content or a double-quoted attribute. Characters XML 1.0 forbids
/// become U+FFFD; CR, LF and TAB in attributes become character references so that they
/// survive attribute normalization, CR in content too (parsers turn a raw CR into LF).
pub fn push(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// `s` escaped for XML or HTML content and double-quoted attribute values alike.
pub fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    push(&mut out, s, true);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_escaper_for_content_and_attributes() {
        assert_eq!(
            super::escaped("«А & Б» <x> \"q\"\n\u{1}"),
            "«А &amp; Б» &lt;x&gt; &quot;q&quot;&#10;\u{fffd}"
        );
        let mut o = String::new();
        super::push(&mut o, "a\nb \"c\"", false);
        assert_eq!(o, "a\nb \"c\"");
    }
}
