//! Keeps the book in `docs/src`, and the READMEs, true to the code:
//!
//! - every Rust snippet names its source file in a comment just above it,
//!   `<!-- source: patterns/declarative/src/store.rs -->`, and must be a
//!   verbatim region of that file (indentation aside); so must a block of
//!   any other language (SQL, TOML) that names a source;
//! - every output block, marked `<!-- output: demo declarative -->`, must be
//!   what the program prints today ([`outputs`] makes it;
//!   `just docs-output` writes it into the chapters); only the value of an
//!   HTTP `date:` header may differ, as it changes every second, and the
//!   order of an answer's headers, which actix does not fix;
//! - every relative link must lead to a file, and every `#anchor` to a heading.
//!
//! `cargo test` runs these checks (`tests/chapters.rs`); a failure names the
//! chapter, the line and what drifted.

use std::path::{Path, PathBuf};

pub mod copy;
pub mod outputs;

/// The root of the repository.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One Markdown chapter of the book.
#[derive(Debug)]
pub struct Chapter {
    /// Its path from the repository root, for messages.
    pub name: String,
    /// Its full path.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// Every `.md` file of `docs/src`, in name order.
pub fn chapters() -> Result<Vec<Chapter>, String> {
    let dir = repo_root().join("docs/src");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Ok(Chapter {
                name: format!(
                    "docs/src/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
                text,
                path,
            })
        })
        .collect()
}

/// The READMEs, which show tours and link into the book and the code: the
/// repository's and each pattern's.
pub const READMES: &[&str] = &[
    "README.md",
    "patterns/declarative/README.md",
    "patterns/manual-mapping/README.md",
    "patterns/sql-abstraction/README.md",
];

/// The READMEs of [`READMES`], read as chapters.
pub fn readmes() -> Result<Vec<Chapter>, String> {
    READMES
        .iter()
        .map(|name| {
            let path = repo_root().join(name);
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read {name}: {e}"))?;
            Ok(Chapter {
                name: (*name).to_owned(),
                path,
                text,
            })
        })
        .collect()
}

/// Every chapter of the book, then every README.
pub fn documents() -> Result<Vec<Chapter>, String> {
    let mut documents = chapters()?;
    documents.extend(readmes()?);
    Ok(documents)
}

/// What the comment line just above a fenced block says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// `<!-- source: PATH -->`: the block is a region of that file.
    Source(String),
    /// `<!-- output: NAME -->`: the block is the output [`outputs::render`] makes for NAME.
    Output(String),
}

/// A fenced code block of a chapter.
#[derive(Debug, Clone)]
pub struct Block {
    /// The 1-based line of its opening fence.
    pub line: usize,
    /// The info string after the fence (`rust`, `sh`, `text`, …).
    pub info: String,
    /// Its lines, without the fences.
    pub body: Vec<String>,
    /// The marker comment above it, if any.
    pub marker: Option<Marker>,
    /// The byte range of `body` within the chapter (for rewriting it).
    pub body_range: std::ops::Range<usize>,
}

fn marker_of(line: &str) -> Option<Marker> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    if let Some(path) = inner.strip_prefix("source:") {
        Some(Marker::Source(path.trim().to_owned()))
    } else {
        inner
            .strip_prefix("output:")
            .map(|name| Marker::Output(name.trim().to_owned()))
    }
}

/// Every fenced block of `text`, with the marker on the line above it.
pub fn fenced_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut offset = 0;
    let mut previous: Option<&str> = None;
    let mut open: Option<(usize, String, Option<Marker>, usize)> = None;
    let mut body = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        match &open {
            None if trimmed.starts_with("```") => {
                let marker = previous.and_then(marker_of);
                let info = trimmed.trim_start_matches('`').trim().to_owned();
                open = Some((index + 1, info, marker, offset + line.len()));
                body.clear();
            }
            Some(_) if trimmed.starts_with("```") => {
                if let Some((line_number, info, marker, start)) = open.take() {
                    blocks.push(Block {
                        line: line_number,
                        info,
                        body: std::mem::take(&mut body),
                        marker,
                        body_range: start..offset,
                    });
                }
            }
            Some(_) => body.push(trimmed.to_owned()),
            None => {}
        }
        if !trimmed.trim().is_empty() {
            previous = Some(trimmed);
        }
        offset += line.len();
    }
    blocks
}

/// True when `snippet` appears in `source` as consecutive lines, each
/// indented by the same extra amount (blank lines match blank lines).
pub fn is_region_of(snippet: &[String], source: &str) -> bool {
    let source: Vec<&str> = source.lines().collect();
    let Some(first) = snippet.first() else {
        return false;
    };
    (0..source.len()).any(|start| {
        let Some(indent) = source[start].strip_suffix(first.as_str()) else {
            return false;
        };
        if !indent.chars().all(char::is_whitespace) || start + snippet.len() > source.len() {
            return false;
        }
        snippet.iter().enumerate().all(|(k, line)| {
            let candidate = source[start + k];
            if line.trim().is_empty() {
                candidate.trim().is_empty()
            } else {
                candidate.strip_prefix(indent) == Some(line.as_str())
            }
        })
    })
}

/// Checks every Rust block of a chapter, and every other block that names a
/// source, against that source; one message per block that drifted or (for
/// Rust) names no source.
pub fn snippet_errors(chapter: &Chapter) -> Vec<String> {
    let root = repo_root();
    let mut errors = Vec::new();
    for block in fenced_blocks(&chapter.text) {
        let names_a_source = matches!(block.marker, Some(Marker::Source(_)));
        if !block.info.starts_with("rust") && !names_a_source {
            continue;
        }
        let first_line = block.body.first().map(String::as_str).unwrap_or_default();
        let place = format!("{}:{}", chapter.name, block.line);
        match &block.marker {
            Some(Marker::Source(path)) => match std::fs::read_to_string(root.join(path)) {
                Ok(source) if is_region_of(&block.body, &source) => {}
                Ok(_) => errors.push(format!(
                    "{place}: the snippet starting `{first_line}` no longer matches {path}: \
                     copy the current code into the chapter"
                )),
                Err(e) => errors.push(format!("{place}: cannot read its source {path}: {e}")),
            },
            _ => errors.push(format!(
                "{place}: the snippet starting `{first_line}` names no source: put \
                 `<!-- source: PATH -->` on the line above it"
            )),
        }
    }
    errors
}

/// The anchor a heading gets: lower case, spaces to `-`, punctuation dropped.
pub fn anchor_of(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors_in(text: &str) -> Vec<String> {
    let mut in_fence = false;
    text.lines()
        .filter(|line| {
            if line.starts_with("```") {
                in_fence = !in_fence;
            }
            !in_fence && line.starts_with('#')
        })
        .map(|line| anchor_of(line.trim_start_matches('#')))
        .collect()
}

/// Relative links of a chapter that lead nowhere: a missing file, or an
/// anchor with no such heading. Links inside code are ignored.
pub fn link_errors(chapter: &Chapter) -> Vec<String> {
    let dir = chapter.path.parent().unwrap_or(Path::new("."));
    let mut errors = Vec::new();
    let mut in_fence = false;
    for (index, line) in chapter.text.lines().enumerate() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if in_fence {
            continue;
        }
        // Drop inline code spans, whose brackets are not links.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = &rest[..end];
            rest = &rest[end..];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                chapter.path.clone()
            } else {
                dir.join(file)
            };
            let place = format!("{}:{}", chapter.name, index + 1);
            if !path.exists() {
                errors.push(format!("{place}: the link to {target} leads to no file"));
                continue;
            }
            if !anchor.is_empty() {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if !anchors_in(&text).iter().any(|a| a == anchor) {
                    errors.push(format!("{place}: no heading for the anchor in {target}"));
                }
            }
        }
    }
    errors
}

/// True when the lines `shown` are the output `current`, but for what the
/// server does not fix: the value of `date:` headers (the second it
/// answered), and the order of the headers of an answer (actix keeps them
/// in a hash map).
pub fn same_output(current: &str, shown: &[String]) -> bool {
    comparable(current.lines()) == comparable(shown.iter().map(String::as_str))
}

/// The lines of an output with each answer's headers sorted and the dates
/// left out.
fn comparable<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut headers: Option<Vec<String>> = None;
    for line in lines {
        if let Some(block) = headers.as_mut() {
            if !line.is_empty() {
                let line = if line.starts_with("date: ") {
                    "date:"
                } else {
                    line
                };
                block.push(line.to_owned());
                continue;
            }
            let mut block = headers.take().unwrap_or_default();
            block.sort();
            out.append(&mut block);
        }
        if line.starts_with("HTTP/1.1 ") {
            headers = Some(Vec::new());
        }
        out.push(line.to_owned());
    }
    if let Some(mut block) = headers {
        block.sort();
        out.append(&mut block);
    }
    out
}

/// The output blocks of a chapter whose text is not what the program
/// prints today.
pub fn stale_outputs(chapter: &Chapter) -> Vec<String> {
    fenced_blocks(&chapter.text)
        .into_iter()
        .filter_map(|block| match &block.marker {
            Some(Marker::Output(name)) => {
                let place = format!("{}:{}", chapter.name, block.line);
                if let Some(reason) = outputs::cannot_render_here(name) {
                    eprintln!("note: {place}: the output of `{name}` is not checked: {reason}");
                    return None;
                }
                match outputs::render(name) {
                    Some(expected) if same_output(&expected, &block.body) => None,
                    Some(_) => Some(format!(
                        "{place}: the output of `{name}` is stale: run `just docs-output` \
                         (cargo run -p docs-check --bin regenerate-docs-output)"
                    )),
                    None => Some(format!("{place}: no output is named `{name}`")),
                }
            }
            _ => None,
        })
        .collect()
}

/// The chapter with every stale output block replaced by the current
/// output (a block that differs only in its dates is left as it is); one
/// that cannot be made here is kept as it is, with a note.
pub fn with_current_outputs(chapter: &Chapter) -> String {
    let mut text = chapter.text.clone();
    // From the end, so that earlier ranges stay valid.
    for block in fenced_blocks(&chapter.text).into_iter().rev() {
        let Some(Marker::Output(name)) = &block.marker else {
            continue;
        };
        if let Some(reason) = outputs::cannot_render_here(name) {
            eprintln!(
                "note: {}:{}: kept the output of `{name}` as it is: {reason}",
                chapter.name, block.line
            );
            continue;
        }
        if let Some(output) = outputs::render(name)
            && !same_output(&output, &block.body)
        {
            text.replace_range(block.body_range.clone(), &format!("{output}\n"));
        }
    }
    text
}
