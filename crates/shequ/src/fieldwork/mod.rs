//! Field work (外勤): what workers do out in their grids rather than what residents ask for. [`patrols`]
//! (teams, roster, logs; a finding becomes a hazard or a case in one step), [`visits`] (走访, visit rules,
//! overdue lists in [`visit_stats`] with coverage) and [`diary`] (民情日记, a worker's day from the records).
//! Like every domain it takes the [`Actor`](crate::accounts::Actor) and filters by its scope, knows no HTTP,
//! declares its scoped tables in [`crate::db::scoped`] and its indicators and ledgers in
//! [`crate::cases::plugin`] (they share the case figures' report sections).

pub mod diary;
pub mod patrols;
pub mod visit_stats;
pub mod visits;
