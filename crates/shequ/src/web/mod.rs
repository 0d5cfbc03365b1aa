//! The web layer: thin handlers over the domain modules. Pages are server-rendered minijinja templates with
//! htmx (no build step); the JSON API under /api mirrors them with the same scope rules and is described by
//! the OpenAPI document at /api/openapi.json.

pub mod api;
pub mod error;
mod headers;
pub mod i18n;
pub mod import_jobs;
pub mod pages;
pub mod session;
pub mod templates;
pub mod upload;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::db::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// Imports running in the background, polled by their pages.
    pub imports: Arc<import_jobs::Jobs>,
}

impl AppState {
    pub fn new(db: Db) -> AppState {
        // Jobs live in memory: uploads of a server that was killed belong to jobs that ended with it.
        let removed = import_jobs::remove_leftovers(&std::env::temp_dir());
        if removed > 0 {
            tracing::info!("removed {removed} upload files left by stopped servers");
        }
        AppState {
            db,
            templates: Arc::new(templates::environment()),
            imports: Arc::new(import_jobs::Jobs::default()),
        }
    }
}

async fn htmx_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/htmx.min.js"),
    )
}

async fn pick_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/pick.js"),
    )
}

/// The icon of the tabs and bookmarks (also answered at /favicon.ico, which browsers ask for unprompted).
async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
}

async fn app_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
}

async fn offline_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/offline.js"),
    )
}

/// The service worker, at the root so that its scope is the whole site; revalidated on every load so an
/// update reaches phones at once.
async fn service_worker() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../static/sw.js"),
    )
}

/// The web app manifest: shequ can be added to a phone's home screen.
async fn manifest() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/manifest.webmanifest"),
    )
}

async fn app_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api", api::routes())
        .route("/static/htmx.min.js", get(htmx_js))
        .route("/static/app.css", get(app_css))
        .route("/static/pick.js", get(pick_js))
        .route("/static/app.js", get(app_js))
        .route("/static/offline.js", get(offline_js))
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::csrf_guard,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until Ctrl-C. `ready` receives the bound address (tests listen on port 0).
pub async fn serve(db: Db, listen: &str, ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    ready(listener.local_addr()?);
    // 限时办结: mark and escalate case deadlines every minute.
    crate::cases::deadlines::spawn(db.clone());
    // 保存期限: blank closed cases' personal fields after SHEQU_CASE_RETENTION_DAYS (off when unset).
    crate::cases::retention::spawn(db.clone());
    let app = router(AppState::new(db.clone())).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    // Another server takes the periodic jobs over at once instead of after the lease.
    let _ = crate::jobs::release_all(&db).await;
    Ok(())
}
