//! What an import may create and how it reads names and values (issue 15): an estate or building that is
//! not registered is created only when the user allows it (else the row is refused and the dry run lists
//! the names); a fragment of a registered estate's name is refused with the registered name; the nearest
//! registered name is suggested; a pinyin annotation leaves a name; a street's own value synonyms (added by
//! its administrator on the page or the API) are read by its imports.

use reqwest::StatusCode;
use serde_json::json;
use sheetimport::Severity;
use shequ::imports::{self, Mode, Options, Outcome, Progress};

use crate::imports::{actor, count, write};
use crate::support::{id, App};

async fn run(app: &App, who: &str, csv: &str, mode: Mode, create_places: bool) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "名单.csv", csv.as_bytes());
    let opts = Options {
        grid_id: app.world.grid1,
        mode,
        file_name: "名单.csv".into(),
        create_places,
    };
    imports::run(
        &app.db,
        &actor(app, who).await,
        path,
        &opts,
        &std::sync::Arc::new(Progress::default()),
    )
    .await
    .unwrap()
}

fn errors_of(o: &Outcome, row: usize) -> Vec<String> {
    o.problems
        .iter()
        .filter(|p| p.row == row && p.severity == Severity::Error)
        .map(|p| p.message.clone())
        .collect()
}

fn places_csv() -> String {
    [
        "姓名,身份证号,现住小区,楼栋,单元,门牌".to_string(),
        // 2: the registered estate and building; a new unit and room are fine
        format!("周一,{},锦绣花园,1号楼,3单元,301", id("1971-01-01", 11)),
        // 3: a fragment of 锦绣花园
        format!("周二,{},锦绣,1号楼,1单元,101", id("1972-02-02", 12)),
        // 4: one character off 锦绣花园
        format!("周三,{},锦绣花圆,1号楼,1单元,102", id("1973-03-03", 13)),
        // 5: a building of 锦绣花园 that is not registered
        format!("周四,{},锦绣花园,8号楼,1单元,801", id("1974-04-04", 14)),
        // 6: an estate nobody registered
        format!("周五,{},新苑小区,2号楼,1单元,201", id("1975-05-05", 15)),
        // 7: a name copied with its pinyin annotation
        format!(
            "劉(liú)德華,{},锦绣花园,1号楼,3单元,302",
            id("1976-06-06", 16)
        ),
    ]
    .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn unregistered_places_are_created_only_when_allowed_and_fragments_never() {
    let app = App::start().await;
    let nodes_before = count(&app, "SELECT COUNT(*) FROM nodes").await;

    // Not allowed: the rows naming unregistered places are refused, the dry run lists them.
    let o = run(&app, "shegong", &places_csv(), Mode::DryRun, false).await;
    assert!(errors_of(&o, 2).is_empty(), "{:?}", errors_of(&o, 2));
    assert!(
        errors_of(&o, 3)
            .iter()
            .any(|m| m.contains("已登记小区“锦绣花园”") && m.contains("是否为“锦绣花园”")),
        "{:?}",
        errors_of(&o, 3)
    );
    assert!(
        errors_of(&o, 4)
            .iter()
            .any(|m| m.contains("尚未登记") && m.contains("最接近的已登记小区:“锦绣花园”")),
        "{:?}",
        errors_of(&o, 4)
    );
    assert!(
        errors_of(&o, 5)
            .iter()
            .any(|m| m.contains("楼栋“锦绣花园8号楼”尚未登记")),
        "{:?}",
        errors_of(&o, 5)
    );
    assert!(errors_of(&o, 6)
        .iter()
        .any(|m| m.contains("小区“新苑小区”尚未登记")));
    assert_eq!(o.counts.error_rows, 4);
    assert_eq!(o.counts.created, 2);
    assert_eq!(o.counts.estates, 0);
    assert_eq!(o.counts.buildings, 0);
    assert_eq!(
        o.counts.places_missing, 3,
        "锦绣花圆 · 锦绣花园8号楼 · 新苑小区"
    );
    let listed = o
        .problems
        .iter()
        .find(|p| p.code == "places_missing")
        .expect("the missing places are listed");
    for name in ["新苑小区(2号楼)", "锦绣花园(8号楼)", "锦绣花圆(1号楼)"] {
        assert!(listed.message.contains(name), "{name}: {}", listed.message);
    }
    // The pinyin annotation is removed, with a notice on its cell.
    assert!(o.problems.iter().any(|p| p.row == 7
        && p.severity == Severity::Warning
        && p.column.as_deref() == Some("A (姓名)")
        && p.message.contains("拼音注音已删除")));
    assert!(errors_of(&o, 7).is_empty());

    // Allowed: the new estate and buildings are created; the fragment is still refused.
    let o = run(&app, "shegong", &places_csv(), Mode::ValidRows, true).await;
    assert!(o.committed);
    assert_eq!(o.counts.error_rows, 1, "only the fragment");
    assert!(errors_of(&o, 3)
        .iter()
        .any(|m| m.contains("是否为“锦绣花园”")));
    assert_eq!(o.counts.created, 5);
    assert_eq!(o.counts.estates, 2, "锦绣花圆 and 新苑小区");
    assert_eq!(
        o.counts.buildings, 3,
        "锦绣花圆1号楼, 锦绣花园8号楼, 新苑小区2号楼"
    );
    let created = o
        .problems
        .iter()
        .find(|p| p.code == "places_created")
        .expect("what was created is listed");
    assert!(
        created.message.contains("新苑小区(2号楼)"),
        "{}",
        created.message
    );
    assert!(count(&app, "SELECT COUNT(*) FROM nodes").await > nodes_before);
    let stored: String = sqlx::query_scalar("SELECT name FROM persons WHERE name LIKE '劉%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, "劉德華");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM nodes WHERE name = '锦绣'").await,
        0,
        "no estate from a fragment"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_street_administrator_adds_synonyms_its_imports_read() {
    let app = App::start().await;
    let admin = app.login("admin").await;
    let worker = app.login("wangge1").await;
    let other = app.login("admin_b").await;

    // The list: shipped synonyms for everyone who imports.
    let (status, lists) = worker.get_json("/api/import/vocab").await;
    assert_eq!(status, StatusCode::OK);
    let marital = lists
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == "婚姻状况")
        .unwrap();
    assert!(marital["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["synonym"] == "离异" && e["standard"] == "离婚" && e["source"] == "系统内置"));

    let entry = json!({"label": "婚姻状况", "standard": "丧偶", "synonym": "老伴去世"});
    // A read-only building leader and a stranger do not even read it.
    let (status, _) = app.login("louzu").await.get_json("/api/import/vocab").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.anonymous().get_json("/api/import/vocab").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Only the street administrator adds.
    let (status, _) = worker.post_json("/api/import/vocab", entry.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Bad input is refused with its reason and stores nothing.
    for (bad, code) in [
        (
            json!({"label": "婚姻状况", "standard": "守寡", "synonym": "x"}),
            422,
        ),
        (
            json!({"label": "爱好", "standard": "丧偶", "synonym": "x"}),
            422,
        ),
        (
            json!({"label": "婚姻状况", "standard": "丧偶", "synonym": ""}),
            422,
        ),
        (
            json!({"label": "婚姻状况", "standard": "丧偶", "synonym": "已婚"}),
            422,
        ),
        (
            json!({"label": "婚姻状况", "standard": "丧偶", "synonym": "离异"}),
            409,
        ),
    ] {
        let (status, body) = admin.post_json("/api/import/vocab", bad.clone()).await;
        assert_eq!(status.as_u16(), code, "{bad}: {body}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM import_vocab").await, 0);

    let (status, added) = admin.post_json("/api/import/vocab", entry.clone()).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    let entry_id = added["id"].as_i64().unwrap();
    let (status, _) = admin.post_json("/api/import/vocab", entry.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "the same synonym twice");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'import_vocab' AND action = 'create'"
        )
        .await,
        1
    );

    // The page shows it as the street's own; another street's administrator neither sees nor removes it.
    let page = admin.get("/import/vocab").await.text().await.unwrap();
    assert!(page.contains("老伴去世") && page.contains("本街道"));
    let theirs = other.get("/import/vocab").await.text().await.unwrap();
    assert!(!theirs.contains("老伴去世"));
    let (status, _) = other
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/import/vocab/{entry_id}"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The street's import reads it: 老伴去世 → 丧偶, with a notice on the cell.
    let csv = [
        "姓名,身份证号,婚姻状况,现住小区,楼栋,单元,门牌".to_string(),
        format!(
            "吴一,{},老伴去世,锦绣花园,1号楼,1单元,101",
            id("1940-01-01", 21)
        ),
    ]
    .join("\n");
    let o = run(&app, "shegong", &csv, Mode::ValidRows, false).await;
    assert!(o.committed);
    assert!(o.problems.iter().any(|p| p.row == 2
        && p.column.as_deref() == Some("C (婚姻状况)")
        && p.message.contains("“老伴去世”按“丧偶”导入")));
    let marital: String =
        sqlx::query_scalar("SELECT marital_status FROM persons WHERE name = '吴一'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(marital, "丧偶");

    // Removed on the page: the value is outside the list again (kept in 备注, never a refused person).
    let form = admin
        .post_form(&format!("/import/vocab/{entry_id}/delete"), &[])
        .await;
    assert!(form.status().is_success() || form.status().is_redirection());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM import_vocab").await, 0);
    let csv2 = csv
        .replace("吴一", "吴二")
        .replace(&id("1940-01-01", 21), &id("1941-01-01", 22));
    let o = run(&app, "shegong", &csv2, Mode::ValidRows, false).await;
    assert!(o.committed);
    assert!(o
        .problems
        .iter()
        .any(|p| p.row == 2 && p.message.contains("不在可选范围内")));

    // Added on the page as well; a refused form answers 422 with the reason.
    let r = admin
        .post_form(
            "/import/vocab",
            &[
                ("label", "文化程度"),
                ("standard", "小学"),
                ("synonym", "初小"),
            ],
        )
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let r = admin
        .post_form(
            "/import/vocab",
            &[
                ("label", "文化程度"),
                ("standard", "博士"),
                ("synonym", "博士后期"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不是文化程度的可选值"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM import_vocab").await, 1);
}
