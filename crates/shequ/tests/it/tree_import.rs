//! `shequ tree import` (issue 15): a street's communities, grids, estates, buildings and units from a sheet —
//! the registered ones reused (names matched as the person import matches them), the missing ones created
//! and audited, a dry run that prints the tree and writes nothing, a bad row that refuses the file.

use crate::imports::count;
use crate::support::App;

async fn tree(app: &App, file: &std::path::Path, extra: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["--database-url", &app.url, "tree", "import"])
        .arg(file)
        .args(["--street", "和平街道"])
        .args(extra)
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sheet_builds_the_missing_part_of_the_tree_once() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("网格划分.csv");
    // Saved by Chinese Excel: GB18030.
    let text = "社区,网格,小区,楼栋,单元\n\
                幸福社区,第一网格,锦绣花园,1号楼,1单元\n\
                幸福社区,第一网格,锦绣花园,2,\n\
                幸福社区, 第一网格 ,锦绣花园,1,2\n\
                幸福社区,第四网格,,,\n\
                新华社区,一网格,新苑,3号楼,\n";
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    std::fs::write(&csv, &bytes).unwrap();
    let nodes_before = count(&app, "SELECT COUNT(*) FROM nodes").await;

    let dry = tree(&app, &csv, &["--dry-run"]).await;
    let out = String::from_utf8_lossy(&dry.stdout).to_string();
    assert!(
        dry.status.success(),
        "{out} {}",
        String::from_utf8_lossy(&dry.stderr)
    );
    for line in [
        "幸福社区 › 第一网格 › 锦绣花园 › 2号楼(新建楼栋)",
        "幸福社区 › 第一网格 › 锦绣花园 › 1号楼 › 2单元(新建单元)",
        "幸福社区 › 第四网格(新建网格)",
        "新华社区(新建社区)",
        "新华社区 › 一网格 › 新苑 › 3号楼(新建楼栋)",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    assert!(
        !out.contains("锦绣花园(新建"),
        "registered estates are reused: {out}"
    );
    assert!(out.contains("预检:将新建"), "{out}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM nodes").await,
        nodes_before
    );

    let real = tree(&app, &csv, &[]).await;
    let out = String::from_utf8_lossy(&real.stdout).to_string();
    assert!(
        real.status.success(),
        "{out} {}",
        String::from_utf8_lossy(&real.stderr)
    );
    // 2号楼, 2单元, 第四网格, 新华社区, 一网格, 新苑, 3号楼
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM nodes").await,
        nodes_before + 7
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM nodes WHERE name = '新苑' AND kind = 'estate'"
        )
        .await,
        1
    );
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'node' AND action = 'create'"
        )
        .await
            >= 7
    );
    // Once: a second run finds everything registered.
    let again = tree(&app, &csv, &[]).await;
    assert!(String::from_utf8_lossy(&again.stdout).contains("全部已登记"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM nodes").await,
        nodes_before + 7
    );

    // A bad row (an estate without its grid, a placeholder) refuses the whole file, naming the rows.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "社区,网格,小区,楼栋\n幸福社区,第五网格,,\n幸福社区,,某小区,1\n幸福社区,第六网格,xx小区,1\n",
    )
    .unwrap();
    let refused = tree(&app, &bad, &[]).await;
    let err = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(!refused.status.success());
    assert!(err.contains("第3行") && err.contains("缺少网格"), "{err}");
    assert!(err.contains("第4行") && err.contains("占位"), "{err}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM nodes WHERE name = '第五网格'").await,
        0
    );
}
