//! Demo welfare: a year of records up to the reference date in the first community, written through the
//! domain's own functions (so they obey its rules) and then dated back: applications through the flow (two
//! refused, one with an objection rejected), grants of 城市低保 and other programmes with change events
//! (降标, 提标, 减人, 取消), payment lists for the first half-year approved, holiday distributions, reviews, and
//! elderly care pairs with their contacts (some overdue). Deterministic: no randomness, dates from [`REF`].

use chrono::{Duration, NaiveDate};
use sqlx::Row;

use super::REF;
use crate::accounts::{Actor, Role, Scope};
use crate::db::Db;
use crate::welfare::applications::{self, ApplicationInput};
use crate::welfare::care::{self, ContactInput, PairInput};
use crate::welfare::grants::{self, EventInput};
use crate::welfare::notice::{self, ObjectionInput, Resolution};
use crate::welfare::payments::{self, DistributionInput, GenerateInput};
use crate::welfare::programmes;

const HELPERS: [(&str, &str); 4] = [
    ("吴桂兰", "志愿者"),
    ("李建华", "党员"),
    ("陈晓燕", "工作人员"),
    ("周大海", "志愿者"),
];

async fn exec(db: &Db, sql: &str, a: String, id: i64) -> anyhow::Result<()> {
    sqlx::query(sql).bind(a).bind(id).execute(&db.pool).await?;
    Ok(())
}

/// Writes the demo welfare records; returns the number of applications.
pub async fn generate(db: &Db, street: i64, community: i64, grid: i64) -> anyhow::Result<usize> {
    let admin = Actor {
        user_id: 0,
        username: "system".into(),
        display_name: "民政专干".into(),
        role: Role::StreetAdmin,
        scope: Scope::Street(street),
        lang: "zh".into(),
    };
    programmes::ensure(db, street).await?;
    let code = |c: &'static str| async move { programmes::by_code(db, street, c).await };
    let plan = [
        "dibao",
        "dibao",
        "dibao",
        "tekun",
        "dibao",
        "dibao",
        "rent",
        "dibao",
        "dibao",
        "disability",
        "dibao",
        "dibao",
        "elderly",
        "dibao",
        "dibao_edge",
        "dibao",
        "dibao",
        "dibao",
    ];
    // Households of the community, the first grid's first (it is the one the move test moves).
    let households: Vec<i64> = sqlx::query(
        "SELECT h.id FROM households h WHERE h.community_id = $1 AND EXISTS (SELECT 1 FROM persons p \
         WHERE p.household_id = h.id AND p.archived = 0) ORDER BY CASE WHEN h.grid_id = $2 THEN 0 ELSE 1 END, h.id LIMIT $3",
    )
    .bind(community)
    .bind(grid)
    .bind(plan.len() as i64 + 2)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut grants_made = vec![];
    let mut written = 0;
    for (i, (h, prog)) in households.iter().zip(plan.iter()).enumerate() {
        let p = code(prog).await?;
        let applied = REF - Duration::days(350 - i as i64 * 18);
        let income = [0, 300, 650, 0, 900, 450][i % 6];
        let a = applications::create(
            db,
            &admin,
            &ApplicationInput {
                programme_id: p.id,
                household_id: *h,
                member_ids: vec![],
                income,
                assets: 2000 * (i as i64 % 4),
                note: "本人申请,提供收入证明及户口簿".into(),
            },
        )
        .await?;
        written += 1;
        applications::step(
            db,
            &admin,
            a.id,
            "investigate",
            "入户核查:家庭收入、住房及就业情况属实",
        )
        .await?;
        if i % 2 == 0 {
            applications::step(
                db,
                &admin,
                a.id,
                "deliberate",
                "居民代表11人参加评议,同意10人,不同意1人",
            )
            .await?;
        }
        if i == 4 || i == 11 {
            applications::step(
                db,
                &admin,
                a.id,
                "refuse",
                "家庭人均收入超过当地低保标准,不符合条件",
            )
            .await?;
            exec(
                db,
                "UPDATE welfare_applications SET applied_on = $1, decided_on = $1 WHERE id = $2",
                applied.to_string(),
                a.id,
            )
            .await?;
            continue;
        }
        applications::step(db, &admin, a.id, "audit", "").await?;
        applications::step(db, &admin, a.id, "publish", "").await?;
        if i == 7 {
            let o = notice::file_desk(
                db,
                &admin,
                a.id,
                &ObjectionInput {
                    body: "该户有一辆私家车,请核实".into(),
                    filer: "居民".into(),
                },
            )
            .await?;
            notice::resolve(
                db,
                &admin,
                o.id,
                &Resolution {
                    status: "rejected".into(),
                    outcome: "经核实车辆已于去年过户他人,异议不成立".into(),
                },
            )
            .await?;
        }
        let decided = applied + Duration::days(20);
        sqlx::query("UPDATE welfare_applications SET notice_from = $1, notice_to = $2, applied_on = $3 WHERE id = $4")
            .bind((decided - Duration::days(8)).to_string())
            .bind((decided - Duration::days(1)).to_string())
            .bind(applied.to_string())
            .bind(a.id)
            .execute(&db.pool)
            .await?;
        let a = applications::step(db, &admin, a.id, "approve", "").await?;
        let g: i64 = sqlx::query_scalar("SELECT id FROM welfare_grants WHERE application_id = $1")
            .bind(a.id)
            .fetch_one(&db.pool)
            .await?;
        let review = grants::next_review(&p, decided);
        for sql in [
            "UPDATE welfare_applications SET decided_on = $1 WHERE id = $2",
            "UPDATE welfare_grants SET since = $1 WHERE id = $2",
            "UPDATE welfare_events SET on_date = $1 WHERE grant_id = $2",
            "UPDATE person_tags SET since = $1 WHERE tag_type_id IN (SELECT id FROM tag_types WHERE code = 'dibao') \
             AND person_id IN (SELECT person_id FROM welfare_members WHERE grant_id = $2)",
        ] {
            exec(db, sql, decided.to_string(), g).await?;
        }
        exec(
            db,
            "UPDATE welfare_grants SET next_review_on = $1 WHERE id = $2",
            review,
            g,
        )
        .await?;
        grants_made.push((g, *prog, decided, a.member_count));
    }
    // Changes over the year (dated, with reasons).
    let mut dibao = grants_made.iter().filter(|g| g.1 == "dibao");
    let change =
        |g: i64, kind: &'static str, on: NaiveDate, income: Option<i64>, reason: &'static str| {
            let admin = admin.clone();
            async move {
                grants::change(
                    db,
                    &admin,
                    g,
                    &EventInput {
                        kind: kind.into(),
                        on_date: on.min(REF).to_string(),
                        reason: reason.into(),
                        member_ids: vec![],
                        income,
                        amount_after: None,
                    },
                )
                .await
            }
        };
    if let Some(&(g, _, since, _)) = dibao.next() {
        change(
            g,
            "降标",
            since + Duration::days(120),
            Some(1200),
            "家庭成员就业,收入增加",
        )
        .await?;
    }
    if let Some(&(g, _, since, _)) = dibao.next() {
        change(
            g,
            "提标",
            since + Duration::days(90),
            Some(0),
            "家庭成员失业,收入减少",
        )
        .await?;
    }
    if let Some(&(g, _, since, _)) = dibao.next() {
        change(
            g,
            "取消",
            since + Duration::days(150),
            None,
            "家庭收入超过低保标准,退出低保",
        )
        .await?;
    }
    if let Some(&(g, _, since, n)) = dibao.next() {
        if n > 1 {
            let members: Vec<i64> = sqlx::query_scalar(
                "SELECT person_id FROM welfare_members WHERE grant_id = $1 ORDER BY person_id",
            )
            .bind(g)
            .fetch_all(&db.pool)
            .await?;
            grants::change(
                db,
                &admin,
                g,
                &EventInput {
                    kind: "减人".into(),
                    on_date: (since + Duration::days(60)).min(REF).to_string(),
                    reason: "子女成年就业,不再计入保障人口".into(),
                    member_ids: members[..members.len() - 1].to_vec(),
                    income: None,
                    amount_after: None,
                },
            )
            .await?;
        }
    }
    // Payment lists for January–June, approved.
    for prog in ["dibao", "tekun", "rent"] {
        let p = code(prog).await?;
        for m in 1..=6 {
            let lists = payments::generate(
                db,
                &admin,
                &GenerateInput {
                    programme_id: p.id,
                    month: format!("2026-{m:02}"),
                },
            )
            .await;
            if let Ok(lists) = lists {
                for l in lists {
                    payments::approve(db, &admin, l.id).await?;
                    exec(
                        db,
                        "UPDATE welfare_payment_lists SET created_at = $1 WHERE id = $2",
                        format!("2026-{m:02}-05 02:00:00"),
                        l.id,
                    )
                    .await?;
                }
            }
        }
    }
    // Holiday distributions to every grant household.
    for (occasion, on, items, amount) in [
        ("2025年中秋慰问", "2025-10-02", "月饼1盒、米10斤", 200),
        ("2026年春节慰问", "2026-02-10", "米10斤、面10斤、油1桶", 500),
    ] {
        for (g, _, since, _) in &grants_made {
            if since.to_string().as_str() > on {
                continue;
            }
            let h: i64 =
                sqlx::query_scalar("SELECT household_id FROM welfare_grants WHERE id = $1")
                    .bind(*g)
                    .fetch_one(&db.pool)
                    .await?;
            payments::distribute(
                db,
                &admin,
                &DistributionInput {
                    programme_id: 0,
                    occasion: occasion.into(),
                    household_id: h,
                    items: items.into(),
                    amount,
                    on_date: on.into(),
                    signature: "本人".into(),
                    note: String::new(),
                },
            )
            .await?;
        }
    }
    // One review that keeps the benefit.
    if let Some(&(g, _, _, _)) = grants_made.iter().rev().find(|g| g.1 == "dibao") {
        crate::welfare::reviews::review(
            db,
            &admin,
            g,
            &crate::welfare::reviews::ReviewInput {
                outcome: "keep".into(),
                on_date: REF.to_string(),
                note: "家庭情况无变化".into(),
                income: None,
                amount_after: None,
            },
        )
        .await?;
    }
    // Care pairs with the first grid's elderly (the oldest first) and their contacts.
    let elders: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM persons p WHERE p.grid_id = $1 AND p.archived = 0 AND p.birth_date IS NOT NULL \
         ORDER BY p.birth_date, p.id LIMIT 4",
    )
    .bind(grid)
    .fetch_all(&db.pool)
    .await?;
    for (i, person) in elders.iter().enumerate() {
        let (helper, kind) = HELPERS[i % HELPERS.len()];
        let start = REF - Duration::days(120);
        let pair = care::create(
            db,
            &admin,
            &PairInput {
                person_id: *person,
                helper_name: helper.into(),
                helper_kind: kind.into(),
                helper_phone: format!("1391234{:04}", 5600 + i),
                visit_every_days: 7,
                call_every_days: 3,
                started_on: start.to_string(),
            },
        )
        .await?;
        // The first pairs' contacts run up to the reference date; the last one's stopped a month before.
        let until = if i == elders.len() - 1 {
            REF - Duration::days(30)
        } else {
            REF
        };
        let mut d = start + Duration::days(3);
        let mut n = 0;
        while d <= until {
            let kind = if n % 3 == 2 { "探访" } else { "电话" };
            care::contact(
                db,
                &admin,
                pair.id,
                &ContactInput {
                    kind: kind.into(),
                    on_date: d.to_string(),
                    observed: if kind == "探访" {
                        "身体状况良好,生活能自理".into()
                    } else {
                        "电话问候,情况正常".into()
                    },
                    help: String::new(),
                },
            )
            .await?;
            d += Duration::days(if kind == "探访" { 3 } else { 2 });
            n += 1;
        }
    }
    Ok(written)
}
