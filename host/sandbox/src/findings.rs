//! What a policy review tells a security team: findings, by severity. Every capability adds its
//! own (see `capabilities`); the review (`crate::review`) sorts them.

use serde::Serialize;

/// How much a finding matters. A `high` finding makes `interop policy review` exit non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to change.
    Info,
    /// Check it is intended.
    Low,
    /// Widens what the connector can do or reach: needs a reason.
    Medium,
    /// Unsafe or broken: fix before installing.
    High,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        })
    }
}

/// One thing a reviewer should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// A stable code, e.g. `wildcard-host`, for tools to filter on.
    pub code: &'static str,
    /// What it is and what to do.
    pub message: String,
    /// The policy line it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// The findings of one review as they are made; each names the policy line it concerns, if any.
#[derive(Debug, Default)]
pub(crate) struct Findings(Vec<Finding>);

impl Findings {
    /// Add one.
    pub(crate) fn add(
        &mut self,
        severity: Severity,
        code: &'static str,
        message: String,
        line: Option<usize>,
    ) {
        self.0.push(Finding {
            severity,
            code,
            message,
            line,
        });
    }

    /// All of them, most severe first, then by line.
    pub(crate) fn sorted(mut self) -> Vec<Finding> {
        self.0
            .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.line.cmp(&b.line)));
        self.0
    }
}
