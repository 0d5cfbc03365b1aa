//! Demo patrols, written through the same functions as the pages (so they obey the same rules): in the
//! first community a volunteer team for the whole community and a 治安联防队 for each of its first two grids,
//! with members (the grid worker of the first grid among them, so patrols show in her diary), a duty roster
//! of evening rounds every other day for the four weeks around the reference date, and the logs of the rounds
//! up to it, some with a finding.

use chrono::Duration;

use super::REF;
use crate::accounts::Actor;
use crate::fieldwork::patrols::{self, FindingInput, LogInput, MemberInput, ShiftInput, TeamInput};

const MEMBERS: [&str; 6] = ["周大海", "吴桂兰", "郑建国", "王秀英", "冯志明", "陈玉梅"];
const FINDINGS: [&str; 4] = [
    "楼道堆放纸箱杂物,堵塞消防通道",
    "电动车在楼道内充电",
    "单元门禁损坏,门常开",
    "路灯不亮,夜间行走不便",
];

/// Teams, members, shifts and logs for the first community; returns the number of logs written.
pub async fn generate(
    db: &crate::db::Db,
    community: i64,
    grids: &[i64],
    grid_worker: Option<(i64, String)>,
) -> anyhow::Result<usize> {
    let admin = Actor::system();
    let mut teams = vec![(
        patrols::create_team(
            db,
            &admin,
            &TeamInput {
                name: "夕阳红志愿者巡逻队".into(),
                kind: "志愿者巡逻队".into(),
                area_id: community,
                leader: "吴桂兰".into(),
            },
        )
        .await?,
        grids.first().copied(),
    )];
    for (i, grid) in grids.iter().take(2).enumerate() {
        let team = patrols::create_team(
            db,
            &admin,
            &TeamInput {
                name: format!("第{}网格治安联防队", i + 1),
                kind: "治安联防队".into(),
                area_id: *grid,
                leader: "周大海".into(),
            },
        )
        .await?;
        teams.push((team, Some(*grid)));
    }
    let mut logs = 0;
    for (t, (team, grid)) in teams.iter().enumerate() {
        let Some(grid) = *grid else { continue };
        let mut members = vec![];
        for k in 0..3 {
            let name = MEMBERS[(t * 2 + k) % MEMBERS.len()];
            let m = patrols::add_member(
                db,
                &admin,
                team.id,
                &MemberInput {
                    name: name.into(),
                    phone: format!("1390000{:04}", t * 10 + k),
                    user_id: None,
                    role: if k == 0 { "队长" } else { "队员" }.into(),
                },
            )
            .await?;
            members.push(m.id);
        }
        if t == 1 {
            if let Some((user_id, name)) = &grid_worker {
                let m = patrols::add_member(
                    db,
                    &admin,
                    team.id,
                    &MemberInput {
                        name: name.clone(),
                        phone: String::new(),
                        user_id: Some(*user_id),
                        role: "队员".into(),
                    },
                )
                .await?;
                members.push(m.id);
            }
        }
        for day in (-13..=14).step_by(2) {
            let on = REF + Duration::days(day + t as i64);
            let pair = (day + 13) as usize / 2;
            let on_duty = vec![
                members[pair % members.len()],
                members[(pair + 1) % members.len()],
            ];
            let shift = patrols::add_shift(
                db,
                &admin,
                team.id,
                &ShiftInput {
                    on_date: on.to_string(),
                    starts: "19:00".into(),
                    ends: "21:00".into(),
                    area_id: grid,
                    member_ids: on_duty,
                },
            )
            .await?;
            if on > REF {
                continue;
            }
            let findings = if pair.is_multiple_of(3) {
                vec![FindingInput {
                    description: FINDINGS[(pair / 3 + t) % FINDINGS.len()].into(),
                    location_id: None,
                }]
            } else {
                vec![]
            };
            patrols::record(
                db,
                &admin,
                &LogInput {
                    team_id: team.id,
                    shift_id: Some(shift.id),
                    area_id: grid,
                    started_at: format!("{on} 19:00"),
                    ended_at: format!("{on} 20:45"),
                    patrollers: String::new(),
                    summary: "巡查楼道消防通道、电动车停放充电、单元门禁和公共照明".into(),
                    findings,
                    client_key: String::new(),
                },
            )
            .await?;
            logs += 1;
        }
    }
    Ok(logs)
}
