//! The area tree pages: browse, create, edit, move and archive nodes; households and rentals at a dwelling.

use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::registry::households::{self, HouseholdInput};
use crate::registry::nodes::{self, Kind, Node, NodeInput};
use crate::registry::persons;
use crate::registry::rentals::{self, RentalInput};
use crate::web::error::PageError;
use crate::web::pages::cases::xlsx_response;
use crate::web::session::User;
use crate::web::templates::render;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registry", get(roots))
        .route("/registry/nodes/{id}", get(node_page).post(update))
        .route("/registry/nodes/{id}/children", post(create_child))
        .route("/registry/nodes/{id}/move", post(move_node))
        .route("/registry/nodes/{id}/archive", post(archive))
        .route("/registry/nodes/{id}/households", post(create_household))
        .route("/registry/nodes/{id}/rentals", post(create_rental))
        .route(
            "/registry/nodes/{id}/households.xlsx",
            get(export_households),
        )
        .route("/registry/nodes/{id}/buildings.xlsx", get(export_buildings))
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/archive", post(archive_household))
        .route("/rentals", get(rentals_page))
        .route("/rentals/export.xlsx", get(export_rentals))
}

#[derive(Serialize)]
struct NodeView {
    id: i64,
    name: String,
    code: Option<String>,
    label: &'static str,
    archived: i64,
}

impl From<&Node> for NodeView {
    fn from(n: &Node) -> Self {
        NodeView {
            id: n.id,
            name: n.name.clone(),
            code: n.code.clone(),
            label: n.label(),
            archived: n.archived,
        }
    }
}

async fn roots(State(state): State<AppState>, user: User) -> Result<Html<String>, PageError> {
    let roots: Vec<NodeView> = nodes::roots(&state.db, &user.actor)
        .await?
        .iter()
        .map(NodeView::from)
        .collect();
    render(
        &state.templates,
        "roots.html",
        Some(&user),
        &user.actor.lang,
        context! { roots },
    )
}

async fn node_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let db = &state.db;
    let actor = &user.actor;
    let node = nodes::get(db, actor, id).await?;
    let ancestors: Vec<NodeView> = nodes::ancestors(db, &node)
        .await?
        .iter()
        .filter(|a| a.id != node.id)
        .map(NodeView::from)
        .collect();
    let children: Vec<NodeView> = nodes::children(db, actor, id, true)
        .await?
        .iter()
        .map(NodeView::from)
        .collect();
    let is_dwelling = node.kind() == Kind::Dwelling;
    let (households, rentals) = if is_dwelling {
        (
            households::at_dwelling(db, actor, id).await?,
            rentals::at_dwelling(db, actor, id).await?,
        )
    } else {
        (vec![], vec![])
    };
    let child_kinds: Vec<_> = node
        .kind()
        .children()
        .into_iter()
        .map(|k| context! { code => k.code(), label => k.label_zh() })
        .collect();
    let can_write = actor.role.can_write_registry();
    // Buildings can be listed from a building or any level above it.
    let lists_buildings = !matches!(node.kind(), Kind::Unit | Kind::Dwelling);
    let move_targets = if can_write && node.kind() != Kind::Street {
        nodes::move_targets(db, actor, &node).await?
    } else {
        vec![]
    };
    render(
        &state.templates,
        "node.html",
        Some(&user),
        &actor.lang,
        context! { kind_label => node.label(), node, ancestors, children, is_dwelling, households, rentals, child_kinds, can_write,
        can_edit => can_write, move_targets, lists_buildings },
    )
}

#[derive(Deserialize)]
struct ChildForm {
    kind: String,
    name: String,
    #[serde(default)]
    code: Option<String>,
}

async fn create_child(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<ChildForm>,
) -> Result<Redirect, PageError> {
    let kind =
        Kind::from_code(&f.kind).ok_or_else(|| crate::Error::invalid("类型", "节点类型不正确"))?;
    let node = nodes::create(
        &state.db,
        &user.actor,
        Some(id),
        kind,
        &NodeInput {
            name: f.name,
            code: f.code,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/registry/nodes/{}", node.id)))
}

async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<NodeInput>,
) -> Result<Redirect, PageError> {
    nodes::update(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/registry/nodes/{id}")))
}

#[derive(Deserialize)]
struct MoveForm {
    parent_id: i64,
}

async fn move_node(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Redirect, PageError> {
    nodes::move_to(&state.db, &user.actor, id, f.parent_id).await?;
    Ok(Redirect::to(&format!("/registry/nodes/{id}")))
}

async fn archive(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let node = nodes::archive(&state.db, &user.actor, id).await?;
    Ok(Redirect::to(
        &node
            .parent_id
            .map(|p| format!("/registry/nodes/{p}"))
            .unwrap_or_else(|| "/registry".into()),
    ))
}

async fn create_household(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HouseholdInput>,
) -> Result<Redirect, PageError> {
    let h = households::create(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/households/{}", h.id)))
}

async fn create_rental(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<RentalInput>,
) -> Result<Redirect, PageError> {
    rentals::create(&state.db, &user.actor, id, &f).await?;
    Ok(Redirect::to(&format!("/registry/nodes/{id}")))
}

async fn household_page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let h = households::get(&state.db, &user.actor, id).await?;
    let people: Vec<persons::Person> = persons::in_household(&state.db, &user.actor, id).await?;
    let honours = crate::selections::announce::of_household(&state.db, id).await?;
    render(
        &state.templates,
        "household.html",
        Some(&user),
        &user.actor.lang,
        context! { h, people, honours, page => None::<i64>, can_write => user.actor.role.can_write_registry() },
    )
}

async fn archive_household(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    households::archive(&state.db, &user.actor, id).await?;
    Ok(Redirect::to(&format!("/households/{id}")))
}

async fn rentals_page(
    State(state): State<AppState>,
    user: User,
) -> Result<Html<String>, PageError> {
    let list = rentals::list(&state.db, &user.actor, 500).await?;
    let today = crate::db::today().to_string();
    let mut rows = Vec::new();
    for r in list {
        let address: String =
            sqlx::query("SELECT COALESCE(MAX(address), '') FROM households WHERE dwelling_id = $1")
                .bind(r.dwelling_id)
                .fetch_one(&state.db.pool)
                .await
                .map_err(crate::Error::from)?
                .get(0);
        let expired = r
            .agreement_expires
            .as_deref()
            .is_some_and(|e| e < today.as_str());
        let phone = r
            .landlord_phone
            .as_deref()
            .map(crate::registry::mask::phone);
        rows.push(context! { dwelling_id => r.dwelling_id, address, landlord_name => r.landlord_name, landlord_phone => phone,
            agreement_signed => r.agreement_signed, agreement_expires => r.agreement_expires, expired });
    }
    render(
        &state.templates,
        "rentals.html",
        Some(&user),
        &user.actor.lang,
        context! { rentals => rows },
    )
}

/// The households under a node (its subtree, in scope) as .xlsx.
async fn export_households(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<axum::response::Response, PageError> {
    let (bytes, _) = crate::exports::households::xlsx(&state.db, &user.actor, id).await?;
    Ok(xlsx_response("households", bytes))
}

/// The buildings under a node (its subtree, in scope) as .xlsx.
async fn export_buildings(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<axum::response::Response, PageError> {
    let (bytes, _) = crate::exports::buildings::xlsx(&state.db, &user.actor, id).await?;
    Ok(xlsx_response("buildings", bytes))
}

/// The rental list as .xlsx.
async fn export_rentals(
    State(state): State<AppState>,
    user: User,
) -> Result<axum::response::Response, PageError> {
    let (bytes, _) = crate::exports::rentals::xlsx(&state.db, &user.actor).await?;
    Ok(xlsx_response("rentals", bytes))
}
