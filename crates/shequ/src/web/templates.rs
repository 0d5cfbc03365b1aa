//! The template environment: every template is compiled into the binary, and `t("中文")` translates a
//! phrase when the user chose English.

use axum::response::Html;
use minijinja::{context, Environment, State, Value};

use super::error::PageError;
use super::i18n;
use super::session::User;
use crate::error::Error;

pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    (
        "calendar.html",
        include_str!("../../templates/calendar.html"),
    ),
    (
        "indicators.html",
        include_str!("../../templates/indicators.html"),
    ),
    (
        "work_reports.html",
        include_str!("../../templates/work_reports.html"),
    ),
    (
        "work_report.html",
        include_str!("../../templates/work_report.html"),
    ),
    (
        "figure_records.html",
        include_str!("../../templates/figure_records.html"),
    ),
    (
        "report_doc.html",
        include_str!("../../templates/report_doc.html"),
    ),
    (
        "report_templates.html",
        include_str!("../../templates/report_templates.html"),
    ),
    (
        "report_template.html",
        include_str!("../../templates/report_template.html"),
    ),
    (
        "indicator_records.html",
        include_str!("../../templates/indicator_records.html"),
    ),
    (
        "ledger_new.html",
        include_str!("../../templates/ledger_new.html"),
    ),
    ("ledgers.html", include_str!("../../templates/ledgers.html")),
    ("ledger.html", include_str!("../../templates/ledger.html")),
    (
        "period_form.html",
        include_str!("../../templates/period_form.html"),
    ),
    ("login.html", include_str!("../../templates/login.html")),
    (
        "portal_activities.html",
        include_str!("../../templates/portal_activities.html"),
    ),
    (
        "standards.html",
        include_str!("../../templates/standards.html"),
    ),
    (
        "standard.html",
        include_str!("../../templates/standard.html"),
    ),
    (
        "standard_compare.html",
        include_str!("../../templates/standard_compare.html"),
    ),
    (
        "inspection.html",
        include_str!("../../templates/inspection.html"),
    ),
    (
        "inspection_report.html",
        include_str!("../../templates/inspection_report.html"),
    ),
    (
        "rectifications.html",
        include_str!("../../templates/rectifications.html"),
    ),
    ("surveys.html", include_str!("../../templates/surveys.html")),
    ("survey.html", include_str!("../../templates/survey.html")),
    ("users.html", include_str!("../../templates/users.html")),
    (
        "survey_qr.html",
        include_str!("../../templates/survey_qr.html"),
    ),
    (
        "survey_questions.html",
        include_str!("../../templates/survey_questions.html"),
    ),
    (
        "portal_surveys.html",
        include_str!("../../templates/portal_surveys.html"),
    ),
    (
        "portal_survey.html",
        include_str!("../../templates/portal_survey.html"),
    ),
    (
        "admission.html",
        include_str!("../../templates/admission.html"),
    ),
    (
        "selections.html",
        include_str!("../../templates/selections.html"),
    ),
    (
        "selection.html",
        include_str!("../../templates/selection.html"),
    ),
    ("honours.html", include_str!("../../templates/honours.html")),
    (
        "portal_selections.html",
        include_str!("../../templates/portal_selections.html"),
    ),
    (
        "admission_task.html",
        include_str!("../../templates/admission_task.html"),
    ),
    (
        "admission_return.html",
        include_str!("../../templates/admission_return.html"),
    ),
    (
        "admission_load.html",
        include_str!("../../templates/admission_load.html"),
    ),
    (
        "governance.html",
        include_str!("../../templates/governance.html"),
    ),
    (
        "governance_vote.html",
        include_str!("../../templates/governance_vote.html"),
    ),
    (
        "governance_meeting.html",
        include_str!("../../templates/governance_meeting.html"),
    ),
    (
        "governance_tasks.html",
        include_str!("../../templates/governance_tasks.html"),
    ),
    (
        "governance_finance.html",
        include_str!("../../templates/governance_finance.html"),
    ),
    ("board.html", include_str!("../../templates/board.html")),
    (
        "portal_proposals.html",
        include_str!("../../templates/portal_proposals.html"),
    ),
    (
        "portal_votes.html",
        include_str!("../../templates/portal_votes.html"),
    ),
    (
        "portal_home.html",
        include_str!("../../templates/portal_home.html"),
    ),
    (
        "portal_signup.html",
        include_str!("../../templates/portal_signup.html"),
    ),
    (
        "portal_report.html",
        include_str!("../../templates/portal_report.html"),
    ),
    (
        "portal_case.html",
        include_str!("../../templates/portal_case.html"),
    ),
    (
        "portal_code.html",
        include_str!("../../templates/portal_code.html"),
    ),
    (
        "residents_pending.html",
        include_str!("../../templates/residents_pending.html"),
    ),
    ("lookup.html", include_str!("../../templates/lookup.html")),
    ("account.html", include_str!("../../templates/account.html")),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    ("roots.html", include_str!("../../templates/roots.html")),
    ("node.html", include_str!("../../templates/node.html")),
    (
        "household.html",
        include_str!("../../templates/household.html"),
    ),
    ("persons.html", include_str!("../../templates/persons.html")),
    (
        "person_rows.html",
        include_str!("../../templates/person_rows.html"),
    ),
    ("person.html", include_str!("../../templates/person.html")),
    (
        "person_form.html",
        include_str!("../../templates/person_form.html"),
    ),
    ("history.html", include_str!("../../templates/history.html")),
    ("tags.html", include_str!("../../templates/tags.html")),
    (
        "tag_members.html",
        include_str!("../../templates/tag_members.html"),
    ),
    ("rentals.html", include_str!("../../templates/rentals.html")),
    ("cases.html", include_str!("../../templates/cases.html")),
    ("case.html", include_str!("../../templates/case.html")),
    (
        "case_form.html",
        include_str!("../../templates/case_form.html"),
    ),
    (
        "case_dashboard.html",
        include_str!("../../templates/case_dashboard.html"),
    ),
    ("import.html", include_str!("../../templates/import.html")),
    (
        "import_vocab.html",
        include_str!("../../templates/import_vocab.html"),
    ),
    (
        "import_job.html",
        include_str!("../../templates/import_job.html"),
    ),
    (
        "import_progress.html",
        include_str!("../../templates/import_progress.html"),
    ),
    ("hazards.html", include_str!("../../templates/hazards.html")),
    ("hazard.html", include_str!("../../templates/hazard.html")),
    ("patrols.html", include_str!("../../templates/patrols.html")),
    (
        "patrol_team.html",
        include_str!("../../templates/patrol_team.html"),
    ),
    (
        "patrol_log.html",
        include_str!("../../templates/patrol_log.html"),
    ),
    (
        "activities.html",
        include_str!("../../templates/activities.html"),
    ),
    (
        "activity.html",
        include_str!("../../templates/activity.html"),
    ),
    ("checkin.html", include_str!("../../templates/checkin.html")),
    ("venues.html", include_str!("../../templates/venues.html")),
    ("venue.html", include_str!("../../templates/venue.html")),
    (
        "volunteer_teams.html",
        include_str!("../../templates/volunteer_teams.html"),
    ),
    (
        "volunteer_team.html",
        include_str!("../../templates/volunteer_team.html"),
    ),
    (
        "volunteer_certificate.html",
        include_str!("../../templates/volunteer_certificate.html"),
    ),
    ("party.html", include_str!("../../templates/party.html")),
    (
        "party_org.html",
        include_str!("../../templates/party_org.html"),
    ),
    (
        "party_meetings.html",
        include_str!("../../templates/party_meetings.html"),
    ),
    ("units.html", include_str!("../../templates/units.html")),
    (
        "units_card.html",
        include_str!("../../templates/units_card.html"),
    ),
    (
        "agreements.html",
        include_str!("../../templates/agreements.html"),
    ),
    ("visits.html", include_str!("../../templates/visits.html")),
    ("devices.html", include_str!("../../templates/devices.html")),
    ("device.html", include_str!("../../templates/device.html")),
    (
        "device_outbox.html",
        include_str!("../../templates/device_outbox.html"),
    ),
    (
        "duty_phones.html",
        include_str!("../../templates/duty_phones.html"),
    ),
    (
        "visit_coverage.html",
        include_str!("../../templates/visit_coverage.html"),
    ),
    (
        "visit_rules.html",
        include_str!("../../templates/visit_rules.html"),
    ),
    (
        "visit_overdue.html",
        include_str!("../../templates/visit_overdue.html"),
    ),
    ("diary.html", include_str!("../../templates/diary.html")),
    (
        "report_check.html",
        include_str!("../../templates/report_check.html"),
    ),
    (
        "welfare_tabs.html",
        include_str!("../../templates/welfare_tabs.html"),
    ),
    (
        "welfare_index.html",
        include_str!("../../templates/welfare_index.html"),
    ),
    (
        "welfare_application.html",
        include_str!("../../templates/welfare_application.html"),
    ),
    (
        "welfare_grants.html",
        include_str!("../../templates/welfare_grants.html"),
    ),
    (
        "welfare_grant.html",
        include_str!("../../templates/welfare_grant.html"),
    ),
    (
        "welfare_payments.html",
        include_str!("../../templates/welfare_payments.html"),
    ),
    (
        "welfare_payment.html",
        include_str!("../../templates/welfare_payment.html"),
    ),
    (
        "welfare_distributions.html",
        include_str!("../../templates/welfare_distributions.html"),
    ),
    (
        "welfare_care.html",
        include_str!("../../templates/welfare_care.html"),
    ),
    (
        "welfare_pair.html",
        include_str!("../../templates/welfare_pair.html"),
    ),
    (
        "welfare_public.html",
        include_str!("../../templates/welfare_public.html"),
    ),
    (
        "welfare_programme.html",
        include_str!("../../templates/welfare_programme.html"),
    ),
];

fn t(state: &State, phrase: &str) -> String {
    let en = state
        .lookup("lang")
        .is_some_and(|l| l.as_str() == Some("en"));
    if en {
        i18n::en(phrase).unwrap_or(phrase).to_string()
    } else {
        phrase.to_string()
    }
}

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in TEMPLATES {
        env.add_template(name, src).expect("template compiles");
    }
    env.add_function("t", t);
    env.add_filter("beijing", beijing);
    env.add_filter("tel", tel);
    env
}

/// `{{ phone|tel }}`: a phone number the page shows in full becomes a link a tap on a phone calls; a masked
/// one (138****1234), an empty value or other text stays text (escaped like any value).
fn tel(v: Value) -> Value {
    match v.as_str().and_then(tel_link) {
        Some(link) => Value::from_safe_string(link),
        None => v,
    }
}

/// `<a class="tel" href="tel:…">…</a>` for a number shown in full; `None` for a masked one or other text.
pub fn tel_link(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let callable = (5..=20).contains(&digits.len())
        && digits
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    callable.then(|| {
        format!(
            "<a class=\"tel\" href=\"tel:{digits}\">{}</a>",
            html_escape(s)
        )
    })
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `{{ stamp|beijing }}`: a stored UTC timestamp shown as Beijing time (Asia/Shanghai, UTC+8), to the
/// minute; a date, an empty value or other text as it is. Every time on every page goes through it.
fn beijing(v: Value) -> Value {
    match v.as_str() {
        Some(s) => Value::from(crate::reports::catalog::beijing_time(s)),
        None => v,
    }
}

/// Renders a page for a signed-in user (or the login page when `user` is None).
pub fn render(
    env: &Environment<'static>,
    name: &str,
    user: Option<&User>,
    lang: &str,
    ctx: Value,
) -> Result<Html<String>, PageError> {
    let who = user.map(|u| {
        let role = if lang == "en" {
            u.actor.role.label_en()
        } else {
            u.actor.role.label_zh()
        };
        context! { display_name => u.actor.display_name.clone(), role => role, can_write => u.actor.role.can_write_registry(),
                   resident => u.actor.role == crate::accounts::Role::Resident, committee => crate::governance::require_committee(&u.actor).is_ok(),
                   sees_sensitive => u.actor.role.sees_sensitive(), admin => u.actor.role.is_admin() }
    });
    let full = context! { user => who, csrf => user.map(|u| u.csrf.clone()), lang => lang, ..ctx };
    let tpl = env.get_template(name).map_err(|e| Error::Other(e.into()))?;
    tpl.render(full)
        .map(Html)
        .map_err(|e| PageError(Error::Other(anyhow::anyhow!("template {name}: {e:#}"))))
}

#[cfg(test)]
mod tel_tests {
    use minijinja::Value;

    #[test]
    fn only_full_numbers_become_links() {
        let out = super::tel(Value::from("13900001111")).to_string();
        assert_eq!(
            out,
            r#"<a class="tel" href="tel:13900001111">13900001111</a>"#
        );
        assert_eq!(
            super::tel(Value::from("139****1111")).to_string(),
            "139****1111"
        );
        assert_eq!(super::tel(Value::from("")).to_string(), "");
        assert!(super::tel(Value::from("010-6555 0000"))
            .to_string()
            .contains("tel:01065550000"));
        assert_eq!(super::tel(Value::from("<b>1</b>")).to_string(), "<b>1</b>");
    }
}

#[cfg(test)]
mod tests {
    /// The Content-Security-Policy (web::headers) runs only our own script files: an inline `<script>` or an
    /// `onclick="…"` in a template would silently do nothing in the browser.
    #[test]
    fn no_template_has_inline_script() {
        for (name, src) in super::TEMPLATES {
            let lower = src.to_lowercase();
            for (i, _) in lower.match_indices("<script") {
                let tag = &lower[i..lower[i..].find('>').map(|e| i + e).unwrap_or(lower.len())];
                assert!(tag.contains("src="), "{name}: inline <script>");
            }
            for word in lower.split(|c: char| c.is_whitespace()) {
                let attr = word.split('=').next().unwrap_or("");
                assert!(
                    !(attr.starts_with("on")
                        && attr.len() > 4
                        && word.contains("=\"")
                        && attr.chars().all(|c| c.is_ascii_lowercase())),
                    "{name}: inline handler {word}"
                );
            }
        }
    }
}
