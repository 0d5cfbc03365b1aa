//! Organisation and agreement pages: 社会组织, 驻区单位, 物业公司 and 便民服务网点 (the outlets printable as a
//! service card), agreements and responsibility letters with the rentals' safety agreements, and those
//! expiring within a month. Lists export .xlsx.

use axum::extract::{Query, State};
use axum::response::{Html, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use serde::Deserialize;

use super::activities::areas;
use super::cases::{opt_id, xlsx_response};
use crate::exports::services::{phone, table};
use crate::services::units::{self, AgreementInput, UnitInput};
use crate::web::error::PageError;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", get(list).post(create))
        .route("/units/export.xlsx", get(export))
        .route("/units/card", get(card))
        .route("/agreements", get(agreements).post(create_agreement))
        .route("/agreements/export.xlsx", get(export_agreements))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KindParam {
    kind: String,
    expiring: String,
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<KindParam>,
) -> Result<Html<String>, PageError> {
    let items = units::units(&state.db, &user.actor, &p.kind).await?;
    render(
        &state.templates,
        "units.html",
        Some(&user),
        &user.actor.lang,
        context! { items, kind => p.kind, kinds => units::UNIT_KINDS.to_vec(), org_categories => units::ORG_CATEGORIES.to_vec(),
        outlet_categories => units::OUTLET_CATEGORIES.to_vec(), filings => units::FILINGS.to_vec(),
        areas => areas(&state, &user).await?, can_write => user.actor.role.can_write_registry() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UnitForm {
    kind: String,
    name: String,
    category: String,
    filing: String,
    leader: String,
    phone: String,
    address: String,
    note: String,
    area_id: String,
}

async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<UnitForm>,
) -> Result<Redirect, PageError> {
    let u = units::create_unit(
        &state.db,
        &user.actor,
        &UnitInput {
            kind: f.kind,
            name: f.name,
            category: f.category,
            filing: f.filing,
            leader: f.leader,
            phone: f.phone,
            address: f.address,
            note: f.note,
            area_id: opt_id(&f.area_id).unwrap_or(0),
        },
    )
    .await?;
    let _ = u;
    Ok(Redirect::to("/units"))
}

async fn export(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<KindParam>,
) -> Result<Response, PageError> {
    let rows = units::units(&state.db, &user.actor, &p.kind)
        .await?
        .into_iter()
        .map(|u| {
            vec![
                u.kind,
                u.name,
                u.category,
                u.filing,
                u.leader,
                phone(&u.phone),
                u.address,
                u.community_name,
                u.note,
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "service_units",
        &[
            ("类型", 12.0),
            ("名称", 24.0),
            ("类别", 10.0),
            ("备案情况", 8.0),
            ("负责人", 10.0),
            ("联系电话", 14.0),
            ("地址", 24.0),
            ("社区", 12.0),
            ("备注", 30.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("units", bytes))
}

/// 便民服务卡: the outlets by type, on one printable page.
async fn card(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let items = units::units(&state.db, &user.actor, "便民服务网点").await?;
    render(
        &state.templates,
        "units_card.html",
        Some(&user),
        &user.actor.lang,
        context! { items },
    )
}

async fn agreements(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<KindParam>,
) -> Result<Html<String>, PageError> {
    let items = if p.expiring == "1" {
        units::expiring(&state.db, &user.actor).await?
    } else {
        units::agreements(&state.db, &user.actor, &p.kind, None).await?
    };
    render(
        &state.templates,
        "agreements.html",
        Some(&user),
        &user.actor.lang,
        context! { items, kind => p.kind, expiring => p.expiring == "1", kinds => units::AGREEMENT_KINDS.to_vec(),
        rental_kind => units::RENTAL_KIND, areas => areas(&state, &user).await?,
        can_write => user.actor.role.can_write_registry(), today => crate::db::today().to_string() },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AgreementForm {
    kind: String,
    title: String,
    party_a: String,
    party_b: String,
    signed_on: String,
    expires_on: String,
    area_id: String,
}

async fn create_agreement(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<AgreementForm>,
) -> Result<Redirect, PageError> {
    units::create_agreement(
        &state.db,
        &user.actor,
        &AgreementInput {
            kind: f.kind,
            title: f.title,
            party_a: f.party_a,
            party_b: f.party_b,
            unit_id: None,
            signed_on: f.signed_on,
            expires_on: f.expires_on,
            area_id: opt_id(&f.area_id).unwrap_or(0),
        },
    )
    .await?;
    Ok(Redirect::to("/agreements"))
}

async fn export_agreements(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<KindParam>,
) -> Result<Response, PageError> {
    let items = if p.expiring == "1" {
        units::expiring(&state.db, &user.actor).await?
    } else {
        units::agreements(&state.db, &user.actor, &p.kind, None).await?
    };
    let rows = items
        .into_iter()
        .map(|a| {
            vec![
                a.kind,
                a.title,
                a.party_a,
                a.party_b,
                a.signed_on,
                a.expires_on.unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = table(
        &state.db,
        &user.actor,
        "agreements",
        &[
            ("类型", 12.0),
            ("名称", 30.0),
            ("甲方", 20.0),
            ("乙方", 20.0),
            ("签订日期", 12.0),
            ("到期日期", 12.0),
        ],
        rows,
    )
    .await?;
    Ok(xlsx_response("agreements", bytes))
}
