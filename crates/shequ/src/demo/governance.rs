//! A year of self-governance in the demo's first community: quarterly 社区成员代表大会 and monthly 两委会, hearings
//! and 联席会议, resolutions with tasks (most done), a resident's proposal decided by a published vote, and
//! monthly income and expenses with published statements — written through the domain's own functions, as
//! the community head (`shuji`).

use chrono::Datelike;
use sqlx::Row;

use crate::accounts::users;
use crate::db::Db;
use crate::governance::{finance, meetings, proposals, votes};

pub async fn generate(db: &Db, community: i64) -> anyhow::Result<()> {
    let Some(head) = sqlx::query("SELECT id FROM users WHERE username = 'shuji'")
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(());
    };
    let shuji = users::actor(db, head.get(0)).await?;
    let owner = sqlx::query("SELECT id FROM users WHERE username = 'wangge1'")
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.get::<i64, _>(0))
        .unwrap_or(shuji.user_id);
    let today = crate::db::today();
    let year_ago = today - chrono::Duration::days(365);
    let c = Some(community);
    let plan: Vec<(&str, &str, i64, i64, i64)> = vec![
        ("members_congress", "社区成员代表大会", 90, 45, 38),
        ("two_committees", "两委联席会", 30, 9, 8),
        ("hearing", "物业服务收费听证会", 120, 30, 26),
        ("joint", "驻区单位联席会议", 91, 15, 12),
    ];
    for (code, title, every, invited, present) in plan {
        let mut day = year_ago + chrono::Duration::days(7);
        let mut n = 0;
        while day < today {
            n += 1;
            let m = meetings::create(
                db,
                &shuji,
                &meetings::NewMeeting {
                    community_id: c,
                    type_code: code.into(),
                    title: format!("{}年第{n}次{title}", day.format("%Y")),
                    held_on: day.to_string(),
                    place: "社区会议室".into(),
                    agenda: "通报工作进展,审议居民议题".into(),
                    minutes: "会议听取了社区工作汇报,与会人员逐项审议,形成决议如下。".into(),
                    invited,
                    present: present - (n % 3),
                },
            )
            .await?;
            if m.quorum_met && (code == "members_congress" || code == "joint") {
                let r = meetings::resolve(
                    db,
                    &shuji,
                    m.id,
                    &meetings::NewResolution {
                        text: format!("{title}议定:加强楼道消防通道清理,每季度组织一次集中整治。"),
                        published: true,
                        ..Default::default()
                    },
                )
                .await?;
                let t = meetings::add_task(
                    db,
                    &shuji,
                    r.id,
                    &meetings::NewTask {
                        title: "组织楼道杂物集中清理".into(),
                        owner_id: owner,
                        working_days: 10,
                    },
                )
                .await?;
                if n % 4 != 0 {
                    meetings::complete(db, &shuji, t.id, "已组织清理,楼道畅通").await?;
                }
            }
            day += chrono::Duration::days(every);
        }
    }
    // A resident's proposal, decided by a published vote.
    let p = proposals::create(
        db,
        &shuji,
        &proposals::NewProposal {
            community_id: c,
            title: "小区增设电动车集中充电点".into(),
            body: "电动车在楼道充电有火灾隐患,建议在小区空地增设集中充电点。".into(),
            submitter_name: "居民代表".into(),
        },
    )
    .await?;
    proposals::screen(
        db,
        &shuji,
        p.id,
        &proposals::Screen {
            action: "accept".into(),
            ..Default::default()
        },
    )
    .await?;
    let bj = |h: i64| {
        (chrono::Utc::now() + chrono::Duration::hours(8 + h))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let v = votes::create(
        db,
        &shuji,
        &votes::NewVote {
            community_id: c,
            proposal_id: Some(p.id),
            title: "是否在小区东侧空地增设电动车集中充电点".into(),
            options: vec!["同意".into(), "不同意".into(), "弃权".into()],
            mode: "household".into(),
            secret: true,
            opens_at: bj(-72),
            closes_at: bj(-1),
        },
    )
    .await?;
    // Ballots of the first households (the demo writes them directly: nobody can vote after the close).
    let households: Vec<(i64, Option<i64>)> = sqlx::query(
        "SELECT h.id, (SELECT MIN(p.id) FROM persons p WHERE p.household_id = h.id) FROM households h \
         WHERE h.community_id = $1 AND h.archived = 0 ORDER BY h.id LIMIT 120",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    for (i, (h, person)) in households.iter().enumerate() {
        sqlx::query("INSERT INTO vote_voters (vote_id, voter_key, person_id, cast_at) VALUES ($1, $2, $3, $4)")
            .bind(v.id).bind(format!("h:{h}")).bind(person).bind(crate::db::now())
            .execute(&db.pool).await?;
        sqlx::query("INSERT INTO vote_choices (id, vote_id, option_idx) VALUES ($1, $2, $3)")
            .bind(crate::accounts::sessions::random_token())
            .bind(v.id)
            .bind(if i % 7 == 0 {
                1
            } else if i % 11 == 0 {
                2
            } else {
                0
            })
            .execute(&db.pool)
            .await?;
    }
    votes::publish(db, &shuji, v.id).await?;
    // Monthly finances: the street's quarterly transfer, activity and office expenses; statements published.
    let mut month = year_ago.with_day0(0).unwrap_or(year_ago);
    let mut k = 0i64;
    while month < today.with_day0(0).unwrap_or(today) {
        let on = |d: u32| month.with_day(d).unwrap_or(month).to_string();
        let add =
            |kind: &str, cat: &str, d: String, amount: String, payee: &str| finance::NewEntry {
                community_id: c,
                kind: kind.into(),
                category: cat.into(),
                on_date: d,
                amount,
                payee: payee.into(),
                document: String::new(),
                meeting_id: None,
            };
        if month.month() % 3 == 1 {
            finance::add(
                db,
                &shuji,
                &add(
                    "income",
                    "街道季度拨款",
                    on(5),
                    "60000".into(),
                    "街道办事处",
                ),
            )
            .await?;
        }
        finance::add(
            db,
            &shuji,
            &add(
                "expense",
                "办公经费",
                on(10),
                format!("{}.50", 800 + k * 37 % 400),
                "晨光文具店",
            ),
        )
        .await?;
        finance::add(
            db,
            &shuji,
            &add(
                "expense",
                "活动经费",
                on(18),
                format!("{}", 1500 + k * 113 % 900),
                "幸福文体用品店",
            ),
        )
        .await?;
        finance::publish(db, &shuji, c, &month.format("%Y-%m").to_string()).await?;
        month = month
            .checked_add_months(chrono::Months::new(1))
            .expect("month");
        k += 1;
    }
    Ok(())
}
