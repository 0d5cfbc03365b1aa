//! Demo services for the first community, a year up to the reference date, written through the domain
//! functions (so they obey the same rules): party organisations (党委, two 党支部, a 党小组 of the first grid)
//! with members and their 三会一课 (one month skipped by the group, so the missed list shows), activities with
//! their figures, sign-ups and check-ins, rooms and bookings, volunteer teams (one is the patrol team of
//! volunteers) with approved and pending hours, organisations, outlets and responsibility letters.

use chrono::{Datelike, Duration, NaiveDate};
use sqlx::Row;

use super::{date, REF};
use crate::accounts::Actor;
use crate::db::Db;
use crate::services::{activities, party, units, venues, volunteers};

const KINDS: [&str; 6] = ["宣传", "文体", "培训", "慰问", "义诊", "招聘会"];
const TITLES: [&str; 6] = [
    "禁毒知识宣传",
    "广场舞展演",
    "电脑知识培训",
    "走访慰问困难家庭",
    "健康义诊进社区",
    "春风行动招聘会",
];

/// The first day of the demo year (a year up to the reference date).
fn month(i: u32) -> NaiveDate {
    let (y, m) = if i < 6 { (2025, 7 + i) } else { (2026, i - 5) };
    date(y, m, 1)
}

/// Writes the records; returns how many activities were written.
pub async fn generate(db: &Db, community: i64, grids: &[i64]) -> anyhow::Result<usize> {
    let sys = Actor::system();
    let grid = grids.first().copied().unwrap_or(community);
    let people: Vec<i64> = sqlx::query(
        "SELECT id FROM persons WHERE community_id = $1 AND status = '在住' AND archived = 0 ORDER BY id LIMIT 14",
    )
    .bind(community)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    if people.len() < 8 {
        return Ok(0);
    }

    // 党建.
    let org = |name: &str, kind: &str, parent: Option<i64>, area: i64| party::OrgInput {
        name: name.into(),
        kind: kind.into(),
        parent_id: parent,
        area_id: area,
    };
    let top = party::create_org(db, &sys, &org("社区党委", "党委", None, community)).await?;
    let b1 = party::create_org(
        db,
        &sys,
        &org("第一党支部", "党支部", Some(top.id), community),
    )
    .await?;
    let b2 = party::create_org(
        db,
        &sys,
        &org("第二党支部", "党支部", Some(top.id), community),
    )
    .await?;
    let g1 = party::create_org(
        db,
        &sys,
        &org("第一网格党小组", "党小组", Some(b1.id), grid),
    )
    .await?;
    let cats = ["在职", "离退休", "离退休", "无职", "流动", "非公企业"];
    for (i, p) in people.iter().take(10).enumerate() {
        let o = [b1.id, b2.id, g1.id][i % 3];
        party::add_member(
            db,
            &sys,
            o,
            &party::MemberInput {
                person_id: *p,
                category: cats[i % cats.len()].into(),
                joined_on: date(1980 + (i as i32) * 3, 7, 1).to_string(),
                employer: if i.is_multiple_of(6) {
                    "区人民医院".into()
                } else {
                    String::new()
                },
                transferred_from: if i == 4 {
                    "外区某党支部".into()
                } else {
                    String::new()
                },
            },
        )
        .await?;
    }
    for i in 0..12u32 {
        let first = month(i);
        for (o, kinds) in [
            (b1.id, vec!["支委会"]),
            (b2.id, vec!["支委会"]),
            (g1.id, vec!["党小组会"]),
        ] {
            // The group skipped one month.
            if o == g1.id && i == 7 {
                continue;
            }
            let mut kinds = kinds;
            if i.is_multiple_of(3) && o != g1.id {
                kinds.push("党员大会");
                kinds.push("党课");
            }
            for (k, kind) in kinds.iter().enumerate() {
                let members = party::members(db, &sys, o).await?;
                let absences = members
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| (*j as u32 + i + k as u32).is_multiple_of(4))
                    .map(|(_, m)| party::Absence {
                        member_id: m.id,
                        reason: ["外出", "因病", "工作冲突"][i as usize % 3].into(),
                    })
                    .collect();
                party::record_meeting(
                    db,
                    &sys,
                    o,
                    &party::MeetingInput {
                        kind: kind.to_string(),
                        held_on: (first + Duration::days(9 + k as i64 * 7)).to_string(),
                        topic: format!("{}月{}:学习贯彻党的路线方针政策", first.month(), kind),
                        absences,
                    },
                )
                .await?;
            }
        }
    }

    // Rooms and activities.
    let room = venues::create(
        db,
        &sys,
        &venues::VenueInput {
            name: "社区活动室".into(),
            kind: "活动室".into(),
            area_id: community,
        },
    )
    .await?;
    let media = venues::create(
        db,
        &sys,
        &venues::VenueInput {
            name: "多媒体教室".into(),
            kind: "多媒体教室".into(),
            area_id: grid,
        },
    )
    .await?;
    let mut written = 0;
    for i in 0..24u32 {
        let k = i as usize % KINDS.len();
        let on = month(i / 2) + Duration::days(if i.is_multiple_of(2) { 5 } else { 19 });
        let total = 40 + (i as i64 * 37) % 300;
        let mut figures = vec![activities::FigureInput {
            metric: "participants".into(),
            qualifier: if total > 100 {
                "余".into()
            } else {
                String::new()
            },
            value: total,
            ..Default::default()
        }];
        if k == 0 || k == 4 {
            figures.push(activities::FigureInput {
                metric: "participants".into(),
                label: if k == 0 {
                    "青少年".into()
                } else {
                    "老年人".into()
                },
                value: total / 3,
                part_of: Some(0),
                ..Default::default()
            });
            figures.push(activities::FigureInput {
                metric: "materials".into(),
                qualifier: "约".into(),
                value: total * 5,
                ..Default::default()
            });
            figures.push(activities::FigureInput {
                metric: "consultations".into(),
                value: total / 2,
                ..Default::default()
            });
        }
        let a = activities::create(
            db,
            &sys,
            &activities::ActivityInput {
                title: TITLES[k].into(),
                kind: KINDS[k].into(),
                starts_on: on.to_string(),
                place: if i.is_multiple_of(2) {
                    "社区活动室".into()
                } else {
                    "多媒体教室".into()
                },
                organisers: "社区居委会".into(),
                partners: if k == 4 {
                    "社区卫生服务站".into()
                } else {
                    String::new()
                },
                target_groups: if k == 3 {
                    "困难家庭".into()
                } else {
                    "社区居民".into()
                },
                area_id: if i % 4 == 3 { grid } else { community },
                figures,
                ..Default::default()
            },
        )
        .await?;
        let v = if i.is_multiple_of(2) {
            room.id
        } else {
            media.id
        };
        venues::book(
            db,
            &sys,
            v,
            &venues::BookingInput {
                starts_at: format!("{on} 09:00"),
                ends_at: format!("{on} 11:30"),
                purpose: TITLES[k].into(),
                activity_id: Some(a.id),
            },
        )
        .await?;
        for (j, p) in people.iter().skip(i as usize % 5).take(5).enumerate() {
            let s = activities::sign_up(db, &sys, a.id, *p).await?;
            if j < 3 {
                activities::tick(db, &sys, a.id, s.id, true).await?;
            }
        }
        written += 1;
    }

    // Volunteers: the patrol team of volunteers is one of the volunteer teams.
    let patrol: Option<i64> = sqlx::query_scalar("SELECT id FROM patrol_teams WHERE community_id = $1 AND kind = '志愿者巡逻队' ORDER BY id LIMIT 1")
        .bind(community)
        .fetch_optional(&db.pool)
        .await?;
    if let Some(p) = patrol {
        volunteers::create_team(
            db,
            &sys,
            &volunteers::TeamInput {
                service: "夕阳红巡逻".into(),
                patrol_team_id: Some(p),
                ..Default::default()
            },
        )
        .await?;
    }
    let care = volunteers::create_team(
        db,
        &sys,
        &volunteers::TeamInput {
            name: "关爱老人志愿服务队".into(),
            service: "关爱老人".into(),
            area_id: community,
            ..Default::default()
        },
    )
    .await?;
    let green = volunteers::create_team(
        db,
        &sys,
        &volunteers::TeamInput {
            name: "第一网格环保志愿服务队".into(),
            service: "环保".into(),
            area_id: grid,
            ..Default::default()
        },
    )
    .await?;
    for (t, team) in [care.id, green.id].iter().enumerate() {
        let mut ids = Vec::new();
        for (j, p) in people.iter().skip(t * 4).take(4).enumerate() {
            let m = volunteers::add_member(
                db,
                &sys,
                *team,
                &volunteers::MemberInput {
                    person_id: Some(*p),
                    role: if j == 0 {
                        "队长".into()
                    } else {
                        "队员".into()
                    },
                    skills: ["理发", "维修家电", "陪伴聊天", "法律咨询"][j].into(),
                    availability: "周末".into(),
                    ..Default::default()
                },
            )
            .await?;
            ids.push(m.id);
        }
        for i in 0..12u32 {
            for (j, m) in ids.iter().enumerate() {
                let r = volunteers::submit(
                    db,
                    &sys,
                    *team,
                    &volunteers::RecordInput {
                        member_id: *m,
                        served_on: (month(i) + Duration::days(12 + j as i64)).to_string(),
                        what: if t == 0 {
                            "上门陪伴独居老人".into()
                        } else {
                            "清理楼道小广告".into()
                        },
                        hours: 1.5 + (j as f64) * 0.5,
                    },
                )
                .await?;
                // The last month's records of the last member are still waiting for the leader.
                if !(i == 11 && j == ids.len() - 1) {
                    volunteers::decide(db, &sys, r.id, "approve", "").await?;
                }
            }
        }
    }

    // Organisations, units, outlets and responsibility letters.
    let unit = |kind: &str, name: &str, category: &str, area: i64| units::UnitInput {
        kind: kind.into(),
        name: name.into(),
        category: category.into(),
        filing: if kind == "社会组织" {
            "已备案".into()
        } else {
            String::new()
        },
        leader: "张主任".into(),
        address: "幸福路".into(),
        area_id: area,
        ..Default::default()
    };
    for (kind, name, cat) in [
        ("社会组织", "夕阳红舞蹈队", "文体类"),
        ("社会组织", "邻里互助会", "服务类"),
        ("社会组织", "爱心妈妈志愿协会", "公益类"),
        ("驻区单位", "区实验小学", ""),
        ("驻区单位", "区供电所", ""),
        ("物业公司", "安居物业", ""),
    ] {
        units::create_unit(db, &sys, &unit(kind, name, cat, community)).await?;
    }
    for (name, cat) in [
        ("便民超市", "超市"),
        ("百姓药房", "药店"),
        ("社区卫生所", "卫生所"),
        ("老张食杂店", "食杂店"),
    ] {
        let u = units::create_unit(db, &sys, &unit("便民服务网点", name, cat, grid)).await?;
        for (k, months) in [("消防安全", 12), ("门前三包", 24)] {
            let signed = date(2025, 7, 1);
            units::create_agreement(
                db,
                &sys,
                &units::AgreementInput {
                    kind: k.into(),
                    title: format!("{k}责任书({name})"),
                    party_a: "社区居委会".into(),
                    unit_id: Some(u.id),
                    signed_on: signed.to_string(),
                    expires_on: (signed + Duration::days(30 * months) + Duration::days(14))
                        .to_string(),
                    area_id: grid,
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    units::create_agreement(
        db,
        &sys,
        &units::AgreementInput {
            kind: "平安建设".into(),
            title: "平安建设目标责任书".into(),
            party_a: "街道办事处".into(),
            party_b: "社区居委会".into(),
            signed_on: date(2026, 1, 10).to_string(),
            expires_on: date(2026, 12, 31).to_string(),
            area_id: community,
            ..Default::default()
        },
    )
    .await?;
    // Registered a year before the reference date, like the rest of the demo.
    let since = format!("{} 00:00:00", REF - Duration::days(365));
    for table in [
        "party_orgs",
        "party_members",
        "volunteer_teams",
        "service_units",
        "activities",
    ] {
        sqlx::query(&format!(
            "UPDATE {table} SET created_at = $1 WHERE community_id = $2"
        ))
        .bind(&since)
        .bind(community)
        .execute(&db.pool)
        .await?;
    }
    Ok(written)
}
