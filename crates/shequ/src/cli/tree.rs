//! `shequ tree import FILE --street 街道 [--dry-run]`: a street's communities, grids, estates, buildings and
//! units from a sheet, as the system (each creation audited), before the person sheets are imported.

use crate::accounts::Actor;
use crate::db::Db;
use crate::registry::nodes::{self, Kind};
use crate::registry::tree_import;

pub async fn import(
    db: &Db,
    file: &std::path::Path,
    street: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    let system = Actor::system();
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("无法读取文件 {}:{e}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rows = tree_import::parse(&name, &bytes)?;
    let street_id = match street.trim().parse::<i64>() {
        Ok(id) => id,
        Err(_) => nodes::roots(db, &system)
            .await?
            .into_iter()
            .find(|n| n.kind() == Kind::Street && n.name == street.trim())
            .map(|n| n.id)
            .ok_or_else(|| {
                anyhow::anyhow!("街道“{street}”不存在(先用 shequ admin 建立街道和管理员)")
            })?,
    };
    let plan = tree_import::apply(db, &system, street_id, &rows, dry_run).await?;
    for line in &plan.lines {
        println!("  {line}");
    }
    let counts: Vec<String> = plan
        .created
        .iter()
        .map(|(kind, n)| format!("{kind} {n} 个"))
        .collect();
    let verb = if dry_run {
        "预检:将新建"
    } else {
        "已新建"
    };
    if counts.is_empty() {
        println!("{} 行,全部已登记,无需新建", rows.len());
    } else {
        println!("{} 行,{verb} {}", rows.len(), counts.join("、"));
    }
    Ok(())
}
