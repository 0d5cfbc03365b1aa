//! The JSON API: the registry with the same scope rules as the pages (out-of-scope ids answer 404). Auth is
//! the session cookie; state-changing calls send the session's CSRF token in `X-CSRF-Token`.

mod account;
mod calendar;
mod cases;
mod devices;
mod governance;
mod hazards;
mod nodes;
mod party;
mod patrols;
mod persons;
mod portal;
mod reports;
mod services;
mod surveys;
mod visits;
mod welfare;
mod work_reports;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::error::ApiError;
use super::session::User;
use super::AppState;
use crate::registry::{population, stats, validate};

pub use hazards::serve as serve_attachment;
pub(crate) use reports::{drill, period_or_this_year, PER_PAGE};

pub type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "shequ registry API",
        description = "社区治理与服务平台 — 人口与区域登记接口。所有查询按登录用户的管辖范围过滤;范围外的记录返回404。"
    ),
    paths(
        me,
        account::my_sessions,
        account::end_session,
        account::change_password,
        account::list_users,
        account::create_user,
        account::reset_password,
        account::disable,
        account::enable,
        account::unlock,
        audit_verify,
        dashboard,
        population_on,
        nodes::roots,
        nodes::get_node,
        nodes::children,
        nodes::create,
        nodes::update,
        nodes::move_node,
        nodes::archive,
        nodes::household,
        nodes::move_household,
        nodes::create_household,
        persons::list,
        persons::get_person,
        persons::create,
        persons::update,
        persons::reveal,
        persons::add_event,
        persons::tags,
        persons::add_tag,
        persons::history,
        persons::tag_types,
        persons::create_tag_type,
        persons::rentals,
        persons::create_rental,
        cases::list_categories,
        cases::create_category,
        cases::set_hours,
        cases::create,
        cases::list,
        cases::get_case,
        cases::accept,
        cases::reject,
        cases::dispatch,
        cases::handover,
        cases::handle,
        cases::verify,
        cases::close,
        cases::rate,
        cases::save_mediation,
        cases::add_session,
        cases::dispute_figure,
        cases::dashboard,
        devices::list_devices,
        devices::register_device,
        devices::device_event,
        devices::device_heartbeat,
        devices::get_device,
        devices::silent_devices,
        devices::set_duty_phone,
        hazards::create,
        hazards::list,
        hazards::get_hazard,
        hazards::report,
        hazards::link,
        hazards::rectify,
        hazards::add_hazard_attachment,
        hazards::hazard_attachments,
        hazards::add_case_attachment,
        hazards::case_attachments,
        hazards::download,
        patrols::teams,
        patrols::create_team,
        patrols::team,
        patrols::add_member,
        patrols::roster,
        patrols::add_shift,
        patrols::logs,
        patrols::record,
        patrols::log,
        patrols::to_hazard,
        patrols::to_case,
        visits::record,
        visits::list,
        visits::get_visit,
        visits::coverage,
        visits::rules,
        visits::create_rule,
        visits::overdue,
        visits::diary,
        visits::save_diary,
        calendar::year,
        calendar::put_days,
        calendar::remove_day,
        reports::list,
        reports::value,
        reports::records,
        reports::ledgers,
        reports::ledger,
        work_reports::list,
        work_reports::create,
        work_reports::show,
        work_reports::update,
        work_reports::finalise,
        work_reports::new_version,
        work_reports::docx,
        work_reports::md,
        work_reports::templates,
        portal::me,
        portal::my_cases,
        portal::report,
        portal::my_case,
        portal::rate,
        portal::pending,
        portal::verify,
        portal::issue_code,
        portal::activities,
        portal::activity_signup,
        surveys::list,
        surveys::create,
        surveys::get_survey,
        surveys::open,
        surveys::close,
        surveys::result,
        surveys::enter,
        surveys::resident_list,
        surveys::resident_answer,
        governance::list_proposals,
        governance::create_proposal,
        governance::get_proposal,
        governance::screen,
        governance::list_votes,
        governance::create_vote,
        governance::get_vote,
        governance::tally,
        governance::publish,
        governance::list_meetings,
        governance::create_meeting,
        governance::get_meeting,
        governance::resolve,
        governance::add_task,
        governance::my_tasks,
        governance::task_done,
        governance::statement,
        governance::add_entry,
        governance::publish_month,
        governance::resident_votes,
        governance::cast,
        governance::resident_proposals,
        governance::resident_propose,
        work_reports::template,
        work_reports::save_template,
        services::list_activities,
        services::create_activity,
        services::get_activity,
        services::list_signups,
        services::sign_up,
        services::tick,
        services::list_venues,
        services::create_venue,
        services::list_bookings,
        services::book,
        services::list_teams,
        services::create_team,
        services::get_team,
        services::add_member,
        services::list_records,
        services::submit_record,
        services::hours,
        services::decide,
        services::certificate,
        party::list_orgs,
        party::create_org,
        party::get_org,
        party::add_party_member,
        party::record_meeting,
        party::list_meetings,
        party::study_rates,
        party::missed,
        party::list_units,
        party::create_unit,
        party::list_agreements,
        party::create_agreement,
        party::expiring,
        welfare::list_programmes,
        welfare::update_programme,
        welfare::list_applications,
        welfare::create_application,
        welfare::get_application,
        welfare::take_step,
        welfare::desk_objection,
        welfare::resolve_objection,
        welfare::list_grants,
        welfare::get_grant,
        welfare::change_grant,
        welfare::review_grant,
        welfare::due_reviews,
        welfare::list_payment_lists,
        welfare::generate_payment_lists,
        welfare::get_payment_list,
        welfare::approve_payment_list,
        welfare::list_distributions,
        welfare::distribute,
        welfare::elderly,
        welfare::list_pairs,
        welfare::create_pair,
        welfare::get_pair,
        welfare::record_contact,
        welfare::end_pair,
        welfare::missed,
    ),
    components(schemas(
        Me,
        crate::registry::stats::Dashboard,
        crate::registry::stats::GroupCount,
        PopulationOn,
        crate::registry::nodes::Node,
        crate::registry::nodes::Kind,
        crate::registry::nodes::NodeInput,
        crate::registry::households::Household,
        crate::registry::households::HouseholdInput,
        crate::registry::persons::Person,
        crate::registry::persons::PersonInput,
        crate::registry::population::EventInput,
        crate::registry::tags::PersonTag,
        crate::registry::tags::TagType,
        crate::registry::tags::FieldSpec,
        crate::registry::tags::TagTypeInput,
        crate::registry::rentals::Rental,
        crate::registry::rentals::RentalInput,
        crate::audit::Entry,
        nodes::NewNode,
        nodes::MoveTo,
        nodes::HouseholdWithMembers,
        nodes::MoveHousehold,
        persons::NewTag,
        crate::accounts::Role,
        crate::cases::categories::Category,
        crate::cases::categories::CategoryInput,
        crate::cases::categories::Hours,
        crate::cases::intake::NewCase,
        crate::cases::intake::PartyInput,
        crate::cases::queries::Case,
        crate::cases::queries::CaseEvent,
        crate::cases::queries::Party,
        crate::cases::queries::CasePage,
        crate::cases::queries::View,
        crate::cases::mediation::Mediation,
        crate::cases::mediation::MediationSession,
        crate::cases::mediation::MediationInput,
        crate::cases::mediation::SessionInput,
        crate::cases::stats::DisputeFigure,
        crate::cases::stats::Dashboard,
        crate::cases::stats::DashboardRow,
        crate::cases::transitions::Target,
        cases::CaseDetail,
        cases::Note,
        cases::Reason,
        cases::DispatchTo,
        cases::HandoverTo,
        cases::Verdict,
        cases::Rating,
        crate::devices::Device,
        crate::devices::DeviceInput,
        crate::devices::NewDevice,
        crate::devices::DeviceEvent,
        crate::devices::EventOutcome,
        crate::devices::intake::Heartbeat,
        crate::devices::health::Silent,
        devices::DeviceDetail,
        devices::DeviceEventRow,
        devices::DeviceCase,
        devices::RefusalCount,
        devices::DutyPhone,
        devices::SilentList,
        crate::cases::attachments::Attachment,
        crate::cases::hazards::Hazard,
        crate::cases::hazards::NewHazard,
        crate::cases::hazards::ReportInput,
        crate::cases::hazards::RectifyInput,
        crate::cases::hazards::HazardPage,
        hazards::HazardDetail,
        hazards::LinkCase,
        crate::fieldwork::patrols::Team,
        crate::fieldwork::patrols::TeamInput,
        crate::fieldwork::patrols::Member,
        crate::fieldwork::patrols::MemberInput,
        crate::fieldwork::patrols::Shift,
        crate::fieldwork::patrols::ShiftInput,
        crate::fieldwork::patrols::PatrolLog,
        crate::fieldwork::patrols::LogInput,
        crate::fieldwork::patrols::Finding,
        crate::fieldwork::patrols::FindingInput,
        crate::fieldwork::patrols::ToHazard,
        crate::fieldwork::patrols::ToCase,
        patrols::TeamDetail,
        patrols::LogDetail,
        crate::fieldwork::visits::Visit,
        crate::fieldwork::visits::VisitInput,
        crate::fieldwork::visits::Rule,
        crate::fieldwork::visits::RuleInput,
        crate::fieldwork::visit_stats::Overdue,
        crate::fieldwork::visit_stats::OverdueList,
        crate::fieldwork::visit_stats::Coverage,
        crate::fieldwork::visit_stats::CoverageRow,
        crate::fieldwork::diary::Diary,
        crate::fieldwork::diary::CaseWork,
        visits::DiaryNote,
        calendar::CalendarYear,
        calendar::DayInput,
        calendar::DaysInput,
        calendar::Written,
        crate::calendar::store::Day,
        crate::reports::catalog::Def,
        crate::reports::catalog::Level,
        crate::reports::catalog::IndicatorValue,
        crate::reports::catalog::Period,
        crate::reports::catalog::Column,
        reports::LedgerInfo,
        reports::LedgerRows,
        reports::Records,
        crate::reports::catalog::Record,
        crate::reports::work::Report,
        crate::reports::work::TemplateInfo,
        work_reports::NewReport,
        work_reports::ReportWithDoc,
        work_reports::ReportText,
        work_reports::TemplateText,
        portal::Me,
        portal::RateInput,
        portal::VerifyInput,
        portal::Done,
        portal::Code,
        crate::portal::Resident,
        crate::portal::requests::MyCase,
        crate::portal::requests::MyStep,
        crate::portal::requests::MyPhoto,
        crate::portal::requests::MyCaseDetail,
        crate::portal::requests::ResidentReport,
        crate::portal::signup::Pending,
        crate::portal::signup::Match,
        crate::portal::activities::Coming,
        surveys::Entered,
        surveys::ResidentSurvey,
        surveys::ResidentAnswers,
        crate::surveys::Survey,
        crate::surveys::NewSurvey,
        crate::surveys::Question,
        crate::surveys::answers::Answer,
        crate::surveys::answers::Submission,
        crate::surveys::results::Results,
        crate::surveys::results::QuestionResult,
        crate::surveys::results::OptionShare,
        governance::MeetingDetail,
        governance::DoneInput,
        governance::MonthQuery,
        governance::ResidentVote,
        governance::Ballot,
        governance::Cast,
        governance::ResidentProposal,
        crate::governance::proposals::Proposal,
        crate::governance::proposals::NewProposal,
        crate::governance::proposals::Screen,
        crate::governance::votes::Vote,
        crate::governance::votes::NewVote,
        crate::governance::votes::Tally,
        crate::governance::votes::OptionCount,
        crate::governance::meetings::Meeting,
        crate::governance::meetings::NewMeeting,
        crate::governance::meetings::Resolution,
        crate::governance::meetings::NewResolution,
        crate::governance::meetings::Task,
        crate::governance::meetings::NewTask,
        crate::governance::finance::Entry,
        crate::governance::finance::NewEntry,
        crate::governance::finance::Statement,
        crate::services::activities::Activity,
        crate::services::activities::ActivityInput,
        crate::services::activities::Figure,
        crate::services::activities::FigureInput,
        crate::services::activities::Signup,
        crate::services::activities::DoorView,
        services::ActivityDetail,
        services::SignUp,
        services::Attendance,
        crate::services::venues::Venue,
        crate::services::venues::VenueInput,
        crate::services::venues::Booking,
        crate::services::venues::BookingInput,
        crate::services::volunteers::Team,
        crate::services::volunteers::TeamInput,
        crate::services::volunteers::Member,
        crate::services::volunteers::MemberInput,
        crate::services::volunteers::ServiceRecord,
        crate::services::volunteers::RecordInput,
        crate::services::volunteers::Hours,
        crate::services::volunteers::Certificate,
        services::TeamDetail,
        services::Decision,
        crate::services::party::Org,
        crate::services::party::OrgInput,
        crate::services::party::Member,
        crate::services::party::MemberInput,
        crate::services::party::Meeting,
        crate::services::party::MeetingInput,
        crate::services::party::Absence,
        crate::services::party::StudyRate,
        crate::services::party::StudyRates,
        crate::services::party::Missed,
        party::OrgNode,
        party::OrgDetail,
        crate::services::units::Unit,
        crate::services::units::UnitInput,
        crate::services::units::Agreement,
        crate::services::units::AgreementInput,
        crate::welfare::programmes::Programme,
        crate::welfare::programmes::ProgrammeInput,
        crate::welfare::applications::Application,
        crate::welfare::applications::ApplicationInput,
        crate::welfare::applications::StepRow,
        crate::welfare::notice::Objection,
        crate::welfare::notice::ObjectionInput,
        crate::welfare::notice::Resolution,
        crate::welfare::grants::Grant,
        crate::welfare::grants::Event,
        crate::welfare::grants::EventInput,
        crate::welfare::reviews::Review,
        crate::welfare::reviews::ReviewInput,
        crate::welfare::payments::PaymentList,
        crate::welfare::payments::Payment,
        crate::welfare::payments::GenerateInput,
        crate::welfare::payments::Distribution,
        crate::welfare::payments::DistributionInput,
        crate::welfare::care::Elder,
        crate::welfare::care::Pair,
        crate::welfare::care::PairInput,
        crate::welfare::care::Contact,
        crate::welfare::care::ContactInput,
        crate::welfare::care::EndInput,
        crate::welfare::care::Missed,
        welfare::ApplicationDetail,
        welfare::StepInput,
        welfare::GrantDetail,
        welfare::PaymentListDetail,
        welfare::PairDetail,
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/me", get(me))
        .route("/audit/verify", get(audit_verify))
        .route("/dashboard", get(dashboard))
        .route("/population", get(population_on))
        .merge(account::routes())
        .merge(nodes::routes())
        .merge(persons::routes())
        .merge(cases::routes())
        .merge(devices::routes())
        .merge(hazards::routes())
        .merge(patrols::routes())
        .merge(visits::routes())
        .merge(calendar::routes())
        .merge(reports::routes())
        .merge(work_reports::routes())
        .merge(portal::routes())
        .merge(governance::routes())
        .merge(surveys::routes())
        .merge(services::routes())
        .merge(party::routes())
        .merge(welfare::routes())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: crate::accounts::Role,
    pub csrf_token: String,
}

/// The signed-in user and the CSRF token to send with writes.
#[utoipa::path(get, path = "/api/me", responses((status = 200, body = Me), (status = 401)))]
async fn me(user: User) -> Json<Me> {
    Json(Me {
        username: user.actor.username.clone(),
        display_name: user.actor.display_name.clone(),
        role: user.actor.role,
        csrf_token: user.csrf,
    })
}

/// Checks the audit log's hash chain (street administrators): the entries checked, the head hash, and
/// the first broken entry if any.
#[utoipa::path(get, path = "/api/audit/verify", responses((status = 200, body = crate::audit::Verification), (status = 403)))]
async fn audit_verify(
    State(state): State<AppState>,
    user: User,
) -> ApiResult<crate::audit::Verification> {
    Ok(Json(crate::audit::verify_as(&state.db, &user.actor).await?))
}

/// Dashboard figures of the user's scope.
#[utoipa::path(get, path = "/api/dashboard", responses((status = 200, body = crate::registry::stats::Dashboard)))]
async fn dashboard(State(state): State<AppState>, user: User) -> ApiResult<stats::Dashboard> {
    Ok(Json(stats::dashboard(&state.db, &user.actor).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DateQuery {
    /// e.g. 2020-06-30
    pub date: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PopulationOn {
    pub date: String,
    pub population: i64,
}

/// The number of people living in the user's scope on a date.
#[utoipa::path(get, path = "/api/population", params(DateQuery), responses((status = 200, body = PopulationOn), (status = 422)))]
async fn population_on(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<DateQuery>,
) -> ApiResult<PopulationOn> {
    let date = validate::parse_date(&q.date)
        .ok_or_else(|| crate::Error::invalid("date", "日期格式不正确,请按2024-01-31填写"))?;
    let population = population::count_on(&state.db, &user.actor, date).await?;
    Ok(Json(PopulationOn {
        date: date.to_string(),
        population,
    }))
}
