//! Codebook exchange: citata's codebook as a REFI-QDA `.qdc`, and a TOML codebook skeleton
//! from the code tree of a `.qdc` or `.qdpx` made by any tool.
//!
//! **To `.qdc`.** Levels become category codes (`isCodable="false"`), parameters codes under
//! them; descriptions start with `citata: level `ID`` / `citata: parameter `ID`` so that
//! the ids come back on import.
//!
//! **From a code tree.** A top-level code with children is a level; every codable code
//! below it becomes a parameter (a deeper code is named by its path under the level, `A /
//! B`). Top-level codes without children become parameters of a level «Без уровня»
//! (`other`). Ids come from a `citata:` description, else from the name (transliterated to
//! Latin, lowercase, `_` between words), made unique. Term lists are empty: `citata
//! codebook check` accepts the skeleton and warns about each parameter without terms.

use super::Code;
use crate::codebook::Codebook;

/// The `.qdc` of a codebook: levels and their parameters (markers left out).
pub fn to_qdc(cb: &Codebook) -> String {
    let mut codes = Vec::new();
    for (li, level) in cb.levels.iter().enumerate() {
        if level.id.starts_with('_') {
            continue;
        }
        let mut l = Code {
            notes: Vec::new(),
            guid: super::export::code_guid(&format!("level:{}", level.id)),
            name: level.name.clone(),
            codable: false,
            color: None,
            description: format!("citata: level `{}`", level.id),
            children: Vec::new(),
        };
        for p in cb.parameters.iter().filter(|p| p.level == li) {
            let mut description = format!("citata: parameter `{}`", p.id);
            if !p.description.is_empty() {
                description.push_str(". ");
                description.push_str(&p.description);
            }
            l.children.push(Code {
                notes: Vec::new(),
                guid: super::export::code_guid(&format!("param:{}", p.id)),
                name: p.name.clone(),
                codable: true,
                color: None,
                description,
                children: Vec::new(),
            });
        }
        codes.push(l);
    }
    super::codebook_xml(&format!("citata {}", env!("CARGO_PKG_VERSION")), &codes)
}

/// The id in a `citata: level `ID`` or `citata: parameter `ID`` description.
fn citata_id<'a>(description: &'a str, what: &str) -> Option<&'a str> {
    let rest = description.strip_prefix(&format!("citata: {what} `"))?;
    let id = &rest[..rest.find('`')?];
    (!id.is_empty()).then_some(id)
}

/// A Latin snake-case id for a name (Russian transliterated), never empty.
pub fn slug(name: &str) -> String {
    const RU: &[(char, &str)] = &[
        ('а', "a"),
        ('б', "b"),
        ('в', "v"),
        ('г', "g"),
        ('д', "d"),
        ('е', "e"),
        ('ё', "e"),
        ('ж', "zh"),
        ('з', "z"),
        ('и', "i"),
        ('й', "y"),
        ('к', "k"),
        ('л', "l"),
        ('м', "m"),
        ('н', "n"),
        ('о', "o"),
        ('п', "p"),
        ('р', "r"),
        ('с', "s"),
        ('т', "t"),
        ('у', "u"),
        ('ф', "f"),
        ('х', "kh"),
        ('ц', "ts"),
        ('ч', "ch"),
        ('ш', "sh"),
        ('щ', "shch"),
        ('ъ', ""),
        ('ы', "y"),
        ('ь', ""),
        ('э', "e"),
        ('ю', "yu"),
        ('я', "ya"),
    ];
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let piece: Option<String> = if c.is_ascii_alphanumeric() {
            Some(c.to_string())
        } else {
            RU.iter().find(|(r, _)| *r == c).map(|(_, l)| l.to_string())
        };
        match piece {
            Some(p) => {
                if gap && !out.is_empty() {
                    out.push('_');
                }
                gap = false;
                out.push_str(&p);
            }
            None => gap = true,
        }
    }
    if out.is_empty() {
        out = "code".into();
    }
    out
}

fn unique(id: String, taken: &mut Vec<String>) -> String {
    let mut candidate = id.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{id}_{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

/// A TOML string literal.
fn toml_str(s: &str) -> String {
    // A JSON string is a valid TOML basic string (same escapes, \uXXXX for controls).
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Codable codes under `code`, with their paths below the level.
fn leaves<'a>(code: &'a Code, prefix: &str, out: &mut Vec<(String, &'a Code)>) {
    for c in &code.children {
        let path = if prefix.is_empty() {
            c.name.clone()
        } else {
            format!("{prefix} / {}", c.name)
        };
        if c.codable {
            out.push((path.clone(), c));
        }
        leaves(c, &path, out);
    }
}

/// The TOML codebook skeleton for a code tree; `name` is the codebook's name, `from` names
/// the file in the header comment.
pub fn skeleton(codes: &[Code], name: &str, from: &str) -> String {
    let mut levels: Vec<(String, String)> = Vec::new();
    let mut params: Vec<(String, String, String, String)> = Vec::new();
    let (mut level_ids, mut param_ids) = (Vec::new(), Vec::new());
    let mut loose: Vec<&Code> = Vec::new();
    for top in codes {
        if top.children.is_empty() {
            loose.push(top);
            continue;
        }
        let lid = unique(
            citata_id(&top.description, "level").map_or_else(|| slug(&top.name), str::to_string),
            &mut level_ids,
        );
        levels.push((lid.clone(), top.name.clone()));
        let mut found = Vec::new();
        leaves(top, "", &mut found);
        for (path, c) in found {
            let pid = unique(
                citata_id(&c.description, "parameter").map_or_else(|| slug(&path), str::to_string),
                &mut param_ids,
            );
            let description = match citata_id(&c.description, "parameter") {
                Some(id) => c.description[format!("citata: parameter `{id}`").len()..]
                    .trim_start_matches(['.', ';', ' '])
                    .to_string(),
                None => c.description.clone(),
            };
            params.push((pid, lid.clone(), path, description));
        }
    }
    if !loose.is_empty() {
        let lid = unique("other".into(), &mut level_ids);
        levels.push((lid.clone(), "Без уровня".into()));
        for c in loose {
            let pid = unique(slug(&c.name), &mut param_ids);
            params.push((pid, lid.clone(), c.name.clone(), c.description.clone()));
        }
    }
    let mut o = String::new();
    o.push_str(&format!(
        "# Codebook skeleton from {from} (REFI-QDA code tree).\n\
         # Fill in `terms` (and `questions`) of each parameter: see docs/codebook.md.\n\
         # `citata codebook check` warns about every parameter that has no terms yet.\n\n"
    ));
    o.push_str(&format!("name = {}\nversion = \"draft\"\n", toml_str(name)));
    for (id, n) in &levels {
        o.push_str(&format!(
            "\n[[levels]]\nid = {}\nname = {}\n",
            toml_str(id),
            toml_str(n)
        ));
    }
    for (id, level, n, description) in &params {
        o.push_str(&format!(
            "\n[[parameters]]\nid = {}\nlevel = {}\nname = {}\n",
            toml_str(id),
            toml_str(level),
            toml_str(n)
        ));
        if !description.trim().is_empty() {
            o.push_str(&format!("description = {}\n", toml_str(description.trim())));
        }
        o.push_str("terms = []\nquestions = []\n");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::super::guid;
    use super::*;

    #[test]
    fn slugs_are_latin_snake_case() {
        assert_eq!(slug("Скорость реакции"), "skorost_reaktsii");
        assert_eq!(slug("Ёмкость / объём, шт."), "emkost_obem_sht");
        assert_eq!(slug("B2B-сервис"), "b2b_servis");
        assert_eq!(slug("🙂"), "code");
    }

    fn code(name: &str, codable: bool, description: &str, children: Vec<Code>) -> Code {
        Code {
            notes: Vec::new(),
            guid: guid(name),
            name: name.into(),
            codable,
            color: None,
            description: description.into(),
            children,
        }
    }

    #[test]
    fn skeleton_levels_parameters_and_loose_codes() {
        let codes = vec![
            code(
                "Сервис",
                false,
                "",
                vec![
                    code(
                        "Сроки",
                        true,
                        "citata: parameter `delivery`. Когда привозят",
                        vec![],
                    ),
                    code(
                        "Документы",
                        false,
                        "",
                        vec![
                            code("УПД", true, "", vec![]),
                            code("Сроки", true, "", vec![]),
                        ],
                    ),
                ],
            ),
            code("Разное", true, "", vec![]),
        ];
        let toml = skeleton(&codes, "Тест \"кавычки\"", "t.qdc");
        assert!(toml.contains("name = \"Тест \\\"кавычки\\\"\""), "{toml}");
        assert!(
            toml.contains("[[levels]]\nid = \"servis\"\nname = \"Сервис\"\n"),
            "{toml}"
        );
        assert!(
            toml.contains(
                "id = \"delivery\"\nlevel = \"servis\"\nname = \"Сроки\"\ndescription = \"Когда привозят\"\nterms = []\n"
            ),
            "{toml}"
        );
        assert!(
            toml.contains(
                "id = \"dokumenty_upd\"\nlevel = \"servis\"\nname = \"Документы / УПД\"\n"
            ),
            "{toml}"
        );
        assert!(toml.contains("id = \"dokumenty_sroki\""), "{toml}");
        assert!(
            toml.contains("id = \"other\"\nname = \"Без уровня\""),
            "{toml}"
        );
        assert!(
            toml.contains("id = \"raznoe\"\nlevel = \"other\""),
            "{toml}"
        );
        assert_eq!(toml.matches("[[parameters]]").count(), 4);
    }
}
