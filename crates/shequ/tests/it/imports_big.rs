//! A big import (more rows than `imports::BIG_AFTER`, into a database holding few people): on SQLite it sets
//! the search and list indexes aside while it writes and builds them again before the commit. Whatever the
//! way of writing, the result must be the same as row by row: every index back, every ID gram written,
//! people findable; and a refused all-or-nothing run leaves the schema and the data as they were.

use shequ::db::Dialect;
use shequ::imports::Mode;
use shequ::registry::search_keys;
use sqlx::Row;

use crate::imports::{actor, count, import, write};
use crate::support::{id, App};

/// Rows past the point where an import may turn big.
const ROWS: usize = shequ::imports::BIG_AFTER as usize + 2_000;

/// A name for row `i`: 居 and three characters counting in base 40 (names may not hold digits).
fn name(i: usize) -> String {
    let chars: Vec<char> =
        "一二三四五六七八九十百千万甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥春夏秋冬东西"
            .chars()
            .collect();
    let n = chars.len();
    format!(
        "居{}{}{}",
        chars[i / n / n % n],
        chars[i / n % n],
        chars[i % n]
    )
}

/// `rows` new people in 新城小区, a household of three per dwelling; the last row bad when asked.
fn sheet(rows: usize, last_bad: bool) -> (String, Vec<String>) {
    let mut lines = vec!["姓名,身份证号,联系电话,现住小区,楼栋,单元,门牌,户号".to_string()];
    let mut ids = Vec::with_capacity(rows);
    let start = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap();
    for i in 0..rows {
        let birth = start + chrono::Duration::days((i / 900) as i64);
        let number = id(&birth.to_string(), (i % 900) as u32 + 100);
        let d = i / 3;
        let (b, u, r) = (d / 400 + 1, d / 100 % 4 + 1, d % 100 + 101);
        lines.push(format!(
            "{},{},139{:08},新城小区,{b}号楼,{u}单元,{r},X{d}",
            name(i),
            if last_bad && i + 1 == rows {
                "1.10101E+17".to_string()
            } else {
                number.clone()
            },
            i
        ));
        ids.push(number);
    }
    (lines.join("\n"), ids)
}

/// The names of the indexes on the tables a big import sets aside.
async fn indexes(app: &App) -> Vec<String> {
    let sql = match app.db.dialect {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' \
             AND tbl_name IN ('persons', 'person_id_grams', 'residence_periods') ORDER BY name"
        }
        Dialect::Postgres => {
            "SELECT CAST(indexname AS TEXT) FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename IN ('persons', 'person_id_grams', 'residence_periods') ORDER BY indexname"
        }
    };
    sqlx::query(sql)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_big_import_builds_its_indexes_again_and_writes_every_id_gram() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (csv, ids) = sheet(ROWS, false);
    let file = write(dir.path(), "街道人口.csv", csv.as_bytes());
    let before = indexes(&app).await;
    let persons_before = count(&app, "SELECT COUNT(*) FROM persons").await;
    let grams_before = count(&app, "SELECT COUNT(*) FROM person_id_grams").await;
    let o = import(&app, "shegong", &file, app.world.grid1, Mode::ValidRows)
        .await
        .unwrap();
    assert!(o.committed, "{:?}", o.refused);
    assert_eq!(o.counts.created, ROWS as u64, "{:?}", o.problems.first());
    assert_eq!(indexes(&app).await, before, "every index is back");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        persons_before + ROWS as i64
    );
    let grams: usize = ids.iter().map(|n| search_keys::id_grams(n).len()).sum();
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM person_id_grams").await,
        grams_before + grams as i64
    );
    // Rows written before and after the import turned big are found by the rebuilt indexes: by an ID
    // fragment (grams), by name, in the grid's list; each has its residence period.
    let admin = actor(&app, "shuji").await;
    for i in [0, ROWS / 2, ROWS - 1] {
        let found = shequ::registry::search::search(&app.db, &admin, &ids[i][8..17], 200)
            .await
            .unwrap();
        assert!(found.iter().any(|p| p.name == name(i)), "row {i}");
        let found = shequ::registry::search::search(&app.db, &admin, &name(i), 5)
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "row {i}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM residence_periods r JOIN persons p ON p.id = r.person_id \
             WHERE p.name LIKE '居%'"
        )
        .await,
        ROWS as i64
    );
    if app.db.dialect == Dialect::Sqlite {
        let check: String = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(check, "ok");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_big_import_leaves_the_indexes_and_the_data_as_they_were() {
    let app = App::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = sheet(ROWS, true);
    let file = write(dir.path(), "街道人口.csv", csv.as_bytes());
    let before = indexes(&app).await;
    let persons_before = count(&app, "SELECT COUNT(*) FROM persons").await;
    let o = import(&app, "shegong", &file, app.world.grid1, Mode::AllOrNothing)
        .await
        .unwrap();
    assert!(!o.committed);
    assert_eq!(o.counts.error_rows, 1);
    assert_eq!(indexes(&app).await, before);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM persons").await,
        persons_before
    );
    // The database takes the same file without the bad row afterwards.
    let (csv, _) = sheet(ROWS - 1, false);
    let file = write(dir.path(), "街道人口2.csv", csv.as_bytes());
    let o = import(&app, "shegong", &file, app.world.grid1, Mode::AllOrNothing)
        .await
        .unwrap();
    assert!(o.committed, "{:?}", o.refused);
    assert_eq!(indexes(&app).await, before);
}
