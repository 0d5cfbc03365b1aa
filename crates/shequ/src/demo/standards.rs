//! Standards self-inspection in the demo: the street imports the built-in example standard (as `admin`), the
//! first community inspects itself against it this year (as `shuji`), with a meeting linked as evidence, and
//! its two gaps become rectification tasks — one owned by the grid worker and reported done, one open.

use sqlx::Row;

use crate::accounts::users;
use crate::db::Db;
use crate::standards::{self, inspections, rectify};

pub async fn generate(db: &Db, community: i64) -> anyhow::Result<()> {
    let id_of = |name: &'static str| async move {
        sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(name)
            .fetch_optional(&db.pool)
            .await
            .map(|r| r.map(|r| r.get::<i64, _>(0)))
    };
    let (Some(admin), Some(head)) = (id_of("admin").await?, id_of("shuji").await?) else {
        return Ok(());
    };
    let admin = users::actor(db, admin).await?;
    let shuji = users::actor(db, head).await?;
    let owner = id_of("wangge1").await?.unwrap_or(shuji.user_id);
    let standard = standards::import_example(db, &admin).await?;
    let year = standards::this_year();
    let i = inspections::create(
        db,
        &shuji,
        &inspections::NewInspection {
            standard_id: standard.id,
            community_id: Some(community),
            year,
        },
    )
    .await?;
    // Every item at full points but two: 志愿服务 (6) and 垃圾分类 (9).
    let scores: Vec<_> = standard
        .items
        .iter()
        .map(|it| inspections::ScoreInput {
            item_id: it.id,
            score: match it.number.as_str() {
                "6" => it.points - 2,
                "9" => it.points - 1,
                _ => it.points,
            },
            note: match it.number.as_str() {
                "6" => "注册志愿者占常住人口8%".into(),
                "9" => "两个小区分类设施不全".into(),
                _ => String::new(),
            },
        })
        .collect();
    inspections::score(db, &shuji, i.id, &scores).await?;
    if let Some(m) =
        sqlx::query("SELECT id FROM meetings WHERE community_id = $1 ORDER BY held_on DESC LIMIT 1")
            .bind(community)
            .fetch_optional(&db.pool)
            .await?
    {
        let item = standard
            .items
            .iter()
            .find(|it| it.number == "3")
            .map(|it| it.id)
            .unwrap_or(0);
        inspections::link(
            db,
            &shuji,
            i.id,
            &inspections::EvidenceLink {
                item_id: item,
                kind: "meeting".into(),
                ref_id: Some(m.get(0)),
                ref_code: String::new(),
            },
        )
        .await?;
    }
    let gap = |n: &str| {
        standard
            .items
            .iter()
            .find(|it| it.number == n)
            .map(|it| it.id)
            .unwrap_or(0)
    };
    let first = rectify::create(
        db,
        &shuji,
        i.id,
        &rectify::NewRectification {
            item_id: gap("6"),
            title: "发动居民注册志愿者,新增40人".into(),
            owner_id: owner,
            working_days: 20,
        },
    )
    .await?;
    rectify::create(
        db,
        &shuji,
        i.id,
        &rectify::NewRectification {
            item_id: gap("9"),
            title: "补齐阳光小区、锦绣花园分类投放点".into(),
            owner_id: shuji.user_id,
            working_days: 15,
        },
    )
    .await?;
    let owner_actor = users::actor(db, owner).await?;
    rectify::rectified(db, &owner_actor, first.id, "已新增注册志愿者43人").await?;
    Ok(())
}
