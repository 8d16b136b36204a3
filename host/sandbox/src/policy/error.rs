//! Mistakes in a policy file, with where they are: the error every part of the parse returns.

/// A policy file that could not be read or is wrong: where, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct PolicyError {
    /// The policy file.
    pub file: String,
    /// 1-based line (0 when the file could not be read at all).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, and what to write instead.
    pub message: String,
}

impl PolicyError {
    /// The error at byte `offset` of `text`, the policy file `file`.
    pub(crate) fn at(file: &str, text: &str, offset: usize, message: String) -> PolicyError {
        let (line, column) = line_col(text, offset);
        PolicyError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}
