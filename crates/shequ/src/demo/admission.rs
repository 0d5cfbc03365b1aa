//! 准入制 and 评比 in the demo: the street enters three tasks from above — one refused (not a community's
//! duty), two admitted and dispatched to every community of the street; the first community returns the
//! meetings ledger (frozen) and a figure of one task, the other task is overdue — and the first community
//! announces a 文明家庭 selection of two households nominated and accepted by the committee. Written through
//! the domains' own functions, as the street administrator and the community head.

use sqlx::Row;

use crate::accounts::users;
use crate::admission::{self, returns, Decision, Dispatch, NewTask, Requirement};
use crate::db::Db;
use crate::selections::{self, announce};

async fn actor(db: &Db, username: &str) -> anyhow::Result<Option<crate::accounts::Actor>> {
    let Some(r) = sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(users::actor(db, r.get(0)).await?))
}

pub async fn generate(db: &Db, street: i64, community: i64) -> anyhow::Result<()> {
    let (Some(admin), Some(shuji)) = (actor(db, "admin").await?, actor(db, "shuji").await?) else {
        return Ok(());
    };
    let today = crate::db::today();
    let year = today.format("%Y").to_string();
    let communities: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM nodes WHERE kind = 'community' AND street_id = $1 AND archived = 0 ORDER BY id",
    )
    .bind(street)
    .fetch_all(&db.pool)
    .await?;
    let req = |kind: &str, code: Option<&str>, label: &str| Requirement {
        id: 0,
        kind: kind.into(),
        code: code.map(String::from),
        label: label.into(),
        period: code.map(|_| year.clone()),
    };
    let plan = [
        (
            "区民政局",
            "年度社区工作情况报送",
            20,
            vec![
                req("ledger", Some("governance.meetings"), ""),
                req("figure", Some("governance.meetings"), ""),
                req("file", None, "年度工作总结"),
            ],
            true,
        ),
        (
            "区应急管理局",
            "安全生产隐患排查统计",
            -3,
            vec![req("figure", None, "排查隐患处数")],
            true,
        ),
        (
            "区某协会",
            "会员发展情况调查表",
            10,
            vec![req("file", None, "调查表")],
            false,
        ),
    ];
    for (dept, title, days, requirements, admit) in plan {
        let t = admission::create(
            db,
            &admin,
            &NewTask {
                street_id: Some(street),
                department: dept.into(),
                title: title.into(),
                content: format!("请各社区按要求报送{title}。"),
                deadline: (today + chrono::Duration::days(days)).to_string(),
                requirements,
            },
        )
        .await?;
        let decision = if admit {
            Decision {
                action: "admit".into(),
                reason: "属社区工作职责,准予进入社区".into(),
            }
        } else {
            Decision {
                action: "refuse".into(),
                reason: "未列入社区工作事项清单,不予准入".into(),
            }
        };
        admission::decide(db, &admin, t.id, &decision).await?;
        if !admit {
            continue;
        }
        admission::dispatch(
            db,
            &admin,
            t.id,
            &Dispatch {
                communities: communities.clone(),
            },
        )
        .await?;
        if days > 0 {
            let mine = returns::list(
                db,
                &shuji,
                &returns::Filter {
                    task_id: Some(t.id),
                    state: None,
                },
            )
            .await?;
            for r in mine.iter().filter(|r| r.kind != "file") {
                returns::submit(db, &shuji, r.id, &returns::Submission::default(), None).await?;
            }
        }
    }
    // A 文明家庭 selection of the first community, decided by the committee.
    let households: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM households WHERE community_id = $1 AND archived = 0 ORDER BY id LIMIT 2",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?;
    if households.is_empty() {
        return Ok(());
    }
    let s = selections::create(
        db,
        &shuji,
        &selections::NewSelection {
            community_id: Some(community),
            title: "文明家庭".into(),
            subject: "household".into(),
            period: year.clone(),
            places: 1,
        },
    )
    .await?;
    let mut first = None;
    for h in households {
        let n = selections::nominate(
            db,
            &shuji,
            s.id,
            &selections::Nomination {
                household_id: Some(h),
                reason: "家庭和睦,热心社区公益,邻里关系融洽".into(),
                ..Default::default()
            },
        )
        .await?;
        selections::review(
            db,
            &shuji,
            s.id,
            n.id,
            &selections::NomineeReview {
                action: "accept".into(),
                reason: String::new(),
            },
        )
        .await?;
        first.get_or_insert(n.id);
    }
    announce::announce(
        db,
        &shuji,
        s.id,
        &announce::Announce {
            nominees: first.into_iter().collect(),
        },
    )
    .await?;
    Ok(())
}
