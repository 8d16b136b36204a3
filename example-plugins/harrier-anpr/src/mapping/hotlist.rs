//! Hotlist.

use super::*;

/// Escapes text for an XML element.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A submitted vehicle as a Harrier hotlist request. The reason is the submission's own, else
/// the request's justification; the requester is its user and the case reference its case.
///
/// # Errors
///
/// `invalid-input` unless the submission is a new vehicle with a valid VRM, handled at
/// OFFICIAL or OFFICIAL-SENSITIVE (a hotlist entry carries no marking, so nothing higher may
/// go into one).
pub fn hotlist_xml(ctx: &RequestContext, item: &Submission) -> Result<String, ConnectorError> {
    if item.local_id.is_some() {
        return invalid("Harrier ANPR hotlist entries cannot be updated");
    }
    let Entity::Object(PoleObject::Vehicle(vehicle)) = &item.entity else {
        return invalid("Harrier ANPR accepts vehicles (hotlist entries) only");
    };
    let Some(vrm) = vehicle.vrm.as_deref() else {
        return invalid("a hotlisted vehicle needs a VRM");
    };
    let vrm = vrm_param(vrm)?;
    if item.handling.classification != Classification::Official {
        return invalid("Harrier ANPR hotlist entries carry no marking: only OFFICIAL material");
    }
    let mut xml = format!("<hotlist><vrm>{}</vrm>", escape(&vrm));
    // The officer's own reason for the entry, else why they are making the request.
    let reason = item.reason.as_deref().unwrap_or(&ctx.justification);
    xml.push_str(&format!("<reason>{}</reason>", escape(reason)));
    xml.push_str(&format!(
        "<requestedBy>{}</requestedBy>",
        escape(&ctx.user_id)
    ));
    if let Some(case) = &ctx.case_reference {
        xml.push_str(&format!("<caseRef>{}</caseRef>", escape(case)));
    }
    xml.push_str("</hotlist>");
    Ok(xml)
}
