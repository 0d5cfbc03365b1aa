//! The area tree through the API: create, list, edit, move (with everything below), archive.

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn tree_create_edit_move_archive() {
    let app = App::start().await;
    let w = &app.world;
    let s = app.login("admin").await;
    // Create a building with a unit and a dwelling under estate 1.
    let (st, b) = s
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.estate1, "kind": "building", "name": "5号楼", "code": "B5"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let b_id = b["id"].as_i64().unwrap();
    assert_eq!(b["grid_id"], w.grid1);
    assert_eq!(b["building_id"], b_id);
    let (_, unit) = s
        .post_json(
            "/api/nodes",
            json!({"parent_id": b_id, "kind": "unit", "name": "2单元"}),
        )
        .await;
    let (_, dw) = s
        .post_json(
            "/api/nodes",
            json!({"parent_id": unit["id"], "kind": "dwelling", "name": "402"}),
        )
        .await;
    assert_eq!(dw["building_id"], b_id);
    assert_eq!(
        dw["path"].as_str().unwrap(),
        format!("{}{}/", unit["path"].as_str().unwrap(), dw["id"])
    );
    let (_, kids) = s
        .get_json(&format!("/api/nodes/{}/children", w.estate1))
        .await;
    let names: Vec<&str> = kids
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["1号楼", "5号楼"]);
    // A building cannot hang under a grid; a name cannot be empty.
    let (st, e) = s
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.grid1, "kind": "building", "name": "错楼"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "上级");
    let (st, e) = s
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.estate1, "kind": "building", "name": "  "}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["field"], "名称");
    // Rename.
    let (st, r) = s
        .put_json(
            &format!("/api/nodes/{b_id}"),
            json!({"name": "五号楼", "code": "B5"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(r["name"], "五号楼");
    // Put a household with a person in the new dwelling, then move the building to estate 2 (grid 2).
    let (_, h) = s
        .post_json(
            "/api/households",
            json!({"dwelling_id": dw["id"], "number": "H500"}),
        )
        .await;
    assert_eq!(h["address"], "锦绣花园五号楼2单元402");
    let (st, p) = s.post_json("/api/persons", json!({"name": "周搬家", "id_number": crate::support::id("1970-01-02", 11), "household_id": h["id"]})).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let (st, moved) = s
        .post_json(
            &format!("/api/nodes/{b_id}/move"),
            json!({"parent_id": w.estate2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{moved}");
    assert_eq!(moved["grid_id"], w.grid2);
    assert_eq!(moved["estate_id"], w.estate2);
    let (_, dw_after) = s.get_json(&format!("/api/nodes/{}", dw["id"])).await;
    assert_eq!(dw_after["grid_id"], w.grid2);
    assert_eq!(dw_after["estate_id"], w.estate2);
    assert!(dw_after["path"]
        .as_str()
        .unwrap()
        .contains(&format!("/{}/{b_id}/", w.estate2)));
    let (_, p_after) = s.get_json(&format!("/api/persons/{}", p["id"])).await;
    assert_eq!(p_after["grid_id"], w.grid2, "people follow their building");
    // The grid-2 worker now sees the person; the grid-1 worker no longer does.
    let g2 = app.login("wangge2").await;
    assert_eq!(
        g2.get(&format!("/api/persons/{}", p["id"])).await.status(),
        StatusCode::OK
    );
    let g1 = app.login("wangge1").await;
    assert_eq!(
        g1.get(&format!("/api/persons/{}", p["id"])).await.status(),
        StatusCode::NOT_FOUND
    );
    // A node cannot move under itself.
    let (st, _) = s
        .post_json(
            &format!("/api/nodes/{}/move", w.estate2),
            json!({"parent_id": dw["id"]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // Archive: refused while something lives below, allowed on an empty leaf; nothing is deleted.
    let (st, e) = s
        .post_json(&format!("/api/nodes/{b_id}/archive"), json!({}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"].as_str().unwrap().contains("未归档的下级"));
    let (_, empty) = s
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.estate2, "kind": "building", "name": "空楼"}),
        )
        .await;
    let (st, a) = s
        .post_json(&format!("/api/nodes/{}/archive", empty["id"]), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(a["archived"], 1);
    let (_, kids) = s
        .get_json(&format!("/api/nodes/{}/children", w.estate2))
        .await;
    assert!(!kids.as_array().unwrap().iter().any(|k| k["name"] == "空楼"));
    let still: i64 = sqlx::query("SELECT COUNT(*) FROM nodes WHERE name = '空楼'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(still, 1);
    // Every one of these writes is in the audit log with before and after.
    let moves: Vec<(Option<String>, Option<String>)> = sqlx::query(
        "SELECT before_json, after_json FROM audit_log WHERE action = 'move' AND entity = 'node'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(moves.len(), 1);
    assert!(moves[0]
        .0
        .as_deref()
        .unwrap()
        .contains(&format!("\"estate_id\":{}", w.estate1)));
    assert!(moves[0]
        .1
        .as_deref()
        .unwrap()
        .contains(&format!("\"estate_id\":{}", w.estate2)));
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_limit_who_edits_which_level() {
    let app = App::start().await;
    let w = &app.world;
    let g1 = app.login("wangge1").await;
    // A grid worker builds inside their grid but cannot create communities or grids.
    let (st, _) = g1
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.estate1, "kind": "building", "name": "3号楼"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = g1
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.community_a1, "kind": "grid", "name": "新网格"}),
        )
        .await;
    assert_ne!(st, StatusCode::OK);
    let shuji = app.login("shuji").await;
    let (st, _) = shuji
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.community_a1, "kind": "grid", "name": "第四网格"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = shuji
        .post_json(
            "/api/nodes",
            json!({"parent_id": w.street_a, "kind": "community", "name": "新社区"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "only street administrators create communities"
    );
    // A building leader reads their building only and writes nothing.
    let louzu = app.login("louzu").await;
    let (st, nodes) = louzu.get_json("/api/nodes").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(nodes.as_array().unwrap().len(), 1);
    assert_eq!(nodes[0]["id"], w.building1);
    let (st, _) = louzu
        .put_json(
            &format!("/api/nodes/{}", w.building1),
            json!({"name": "改名"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_household_moves_with_its_members_and_the_population_follows() {
    let app = App::start().await;
    let w = &app.world;
    let shuji = app.login("shuji").await;
    let count = |s: &crate::support::Session, date: String| {
        let path = format!("/api/population?date={date}");
        let s = s.client.get(s.url(&path));
        async move {
            s.send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()["population"]
                .as_i64()
                .unwrap()
        }
    };
    let g1 = app.login("wangge1").await;
    let g2 = app.login("wangge2").await;
    let today = shequ::db::today();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    assert_eq!(count(&g1, today.to_string()).await, 1);
    // The grid worker of grid 1 cannot move 赵's household into grid 2; the community head can.
    let (st, _) = g1
        .post_json(
            &format!("/api/households/{}/move", w.household1),
            json!({"dwelling_id": w.dwelling2}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, h) = shuji
        .post_json(
            &format!("/api/households/{}/move", w.household1),
            json!({"dwelling_id": w.dwelling2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    assert_eq!(h["grid_id"], w.grid2);
    assert_eq!(h["address"], "阳光小区2号楼202");
    let (_, p) = g2.get_json(&format!("/api/persons/{}", w.zhao)).await;
    assert_eq!(p["grid_id"], w.grid2);
    // Counted in grid 1 until yesterday, in grid 2 from today; the community total does not change.
    assert_eq!(count(&g1, yesterday.clone()).await, 1);
    assert_eq!(count(&g1, today.to_string()).await, 0);
    assert_eq!(count(&g2, today.to_string()).await, 2);
    assert_eq!(count(&shuji, yesterday).await, 1, "钱 moved in today");
    assert_eq!(count(&shuji, today.to_string()).await, 2);
}
