//! The `shequ` command: serve, demo, admin, migrate.

use clap::{Parser, Subcommand};
use shequ::accounts::{users, Actor, Role};
use shequ::db::Db;
use shequ::registry::{nodes, tags};
use shequ::{demo, web};

#[derive(Parser)]
#[command(name = "shequ", version, about = "社区治理与服务一体化平台")]
struct Cli {
    /// Database URL: a SQLite file (default shequ.db) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = "shequ.db", global = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        #[arg(long, env = "SHEQU_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Fill the database with demo data first if it is empty.
        #[arg(long)]
        demo: bool,
        /// Scale of the demo data for --demo.
        #[arg(long, value_enum, default_value = "community")]
        scale: demo::Scale,
        /// The MQTT broker devices publish to (mqtt://host:1883, mqtts://host:8883); off when unset.
        /// Credentials, CA, client id and topic prefix: SHEQU_MQTT_USERNAME, SHEQU_MQTT_PASSWORD,
        /// SHEQU_MQTT_CA, SHEQU_MQTT_CLIENT_ID, SHEQU_MQTT_PREFIX (README).
        #[arg(long, env = "SHEQU_MQTT_URL")]
        mqtt_url: Option<String>,
    },
    /// Fill an empty database with deterministic demo data.
    Demo {
        #[arg(long, value_enum, default_value = "community")]
        scale: demo::Scale,
    },
    /// Create a street (if needed) and its first street administrator.
    Admin {
        #[arg(long)]
        username: String,
        #[arg(long, env = "SHEQU_ADMIN_PASSWORD")]
        password: String,
        /// Name of the street (街道); created when it does not exist.
        #[arg(long)]
        street: String,
        #[arg(long, default_value = "街道管理员")]
        display_name: String,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Write a consistent copy of the (SQLite) database to FILE while the server runs (VACUUM INTO).
    Backup { file: std::path::PathBuf },
    /// Replace the (SQLite) database with the backup FILE; the server must be stopped. The replaced
    /// database is kept beside it as NAME.before-restore-TIME.
    Restore { file: std::path::PathBuf },
    /// The audit log: `shequ audit verify` checks its hash chain and reports the first broken entry
    /// (exit status 1 when broken).
    #[command(subcommand)]
    Audit(AuditWhat),
    /// Benchmarks only: add COUNT cases with their trail to existing demo data (see bench/cases.sh).
    #[command(hide = true)]
    BenchCases {
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
    },
    /// Import from a spreadsheet (.xlsx, .xls, .csv in UTF-8 or GBK).
    #[command(subcommand)]
    Import(ImportWhat),
    /// The street's tree (社区, 网格, 小区, 楼栋, 单元) from a sheet: `shequ tree import FILE --street 街道`.
    #[command(subcommand)]
    Tree(TreeWhat),
    /// Generate a work report (not stored) from a template: annual, half, quarter, plan or a street's own.
    Report {
        template: String,
        /// 2025, 2025-Q1, 2025-H1, 2025-03 or 2025-01-01..2025-06-30
        #[arg(long)]
        period: String,
        /// A street, community or grid id (default: the whole scope).
        #[arg(long)]
        node: Option<i64>,
        /// Output file: .docx or .md.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Generate as this user, within their scope (default: the system, whole database).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Export a ledger (台账) as .xlsx in the office layout: registry.roster, cases.disputes … (see /reports/ledgers).
    Ledger {
        code: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        node: Option<i64>,
        #[arg(long)]
        out: std::path::PathBuf,
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Check a work report written outside shequ (.docx, .txt in UTF-8/GBK, .md): print findings as Markdown.
    CheckReport {
        file: std::path::PathBuf,
        /// Print JSON instead of Markdown.
        #[arg(long)]
        json: bool,
        /// The report's year when its title does not say.
        #[arg(long)]
        year: Option<i32>,
        /// Also write the extracted figures to this .xlsx file.
        #[arg(long)]
        figures_xlsx: Option<std::path::PathBuf>,
        /// Also write the cleaned text to this .txt file.
        #[arg(long)]
        cleaned_txt: Option<std::path::PathBuf>,
        /// Also write the cleaned text to this .docx file (changes highlighted).
        #[arg(long)]
        cleaned_docx: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditWhat {
    /// Recompute the chain from the first entry; print the entries checked and the head hash.
    Verify,
}

#[derive(Subcommand)]
enum TreeWhat {
    /// Communities, grids, estates, buildings and units from a sheet (.xlsx or .csv, UTF-8 or GB18030) with
    /// the columns 社区 and 网格 and optionally 小区, 楼栋, 单元 — one row a place. What is registered is reused
    /// (names matched as the person import matches them), what is missing is created; any bad row refuses the
    /// file. --dry-run prints the tree it would build and writes nothing.
    Import {
        file: std::path::PathBuf,
        /// The street: its name or id.
        #[arg(long)]
        street: String,
        /// Show what would be created, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// Persons (with households and the estate/building tree they name). By default nothing is written if
    /// any row has an error; --valid-rows imports the valid rows; --dry-run only checks.
    ///
    /// Columns are found by meaning, not position: 姓名, 身份证号/公民身份号码, 联系电话/手机号, 户号/户编号,
    /// 现住小区/建筑/所属小区 + 现住详细门牌/门牌号 (or 楼栋, 单元, 门牌), 户籍小区/建筑 + 户籍详细地址, 迁入日期,
    /// 是否已迁出 + 迁出日期 + 迁往地, 是否已死亡 + 死亡日期, 护照/其他证件号码 + 其他证件类型, 重点类别 …
    /// (the peer system's 34-column 人员信息 template is read as it is; every header and synonym is listed in
    /// docs/IMPORT.md). When two columns mean the same, the usual header wins (户号 over 户编号) and the dry
    /// run says so. Values are read as typed (离异 → 离婚, 本科 → 大学本科, 退休 → 离退休, two phones in a cell);
    /// every change is a notice in the report, every bad cell of a row an error.
    Persons {
        file: std::path::PathBuf,
        /// The grid the rows go to: its id, its name, or 社区名/网格名.
        #[arg(long)]
        grid: String,
        /// Check only, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import every valid row and skip the rows with errors.
        #[arg(long)]
        valid_rows: bool,
        /// Create the estates and buildings the file names that are not registered yet. Without it such
        /// rows are refused and the dry run lists the missing names (a name that is part of a registered
        /// estate's name is refused either way, with the registered name as the suggestion).
        #[arg(long)]
        create_places: bool,
        /// Write the row-by-row report (.xlsx) here.
        #[arg(long)]
        report: Option<std::path::PathBuf>,
        /// Import as this user, within their scope (default: the system, whole database).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

async fn fill_demo(db: &Db, scale: demo::Scale) -> anyhow::Result<()> {
    let summary = demo::generate(db, scale, &|line| eprintln!("  {line}")).await?;
    println!(
        "演示数据已生成 / demo data: {} 个社区, {} 个网格, {} 户, {} 人, {} 件民情, {} 次走访, {} 处隐患, {} 张照片, {} 条巡逻记录 ({:.1}s)",
        summary.communities,
        summary.grids,
        summary.households,
        summary.persons,
        summary.cases,
        summary.visits,
        summary.hazards,
        summary.photos,
        summary.patrol_logs,
        summary.seconds
    );
    println!("演示账号 / demo logins (password {}):", demo::DEMO_PASSWORD);
    for (user, _, role) in &summary.users {
        println!("  {user:<10} {role}");
    }
    Ok(())
}

/// mimalloc: the server allocates many small strings per row (sqlx rows, JSON, templates); perf showed glibc
/// malloc/free at about a fifth of the list-page time. With mimalloc the single-client list API went from
/// 2.8 ms to 1.9 ms median on the community demo data (noisy machine; see docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    if let Command::CheckReport {
        file,
        json,
        year,
        figures_xlsx,
        cleaned_txt,
        cleaned_docx,
    } = &cli.command
    {
        // Reads a file, needs no database.
        let bytes =
            std::fs::read(file).map_err(|e| anyhow::anyhow!("无法读取 {}: {e}", file.display()))?;
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let options = reportcheck::Options {
            report_year: *year,
            source_name: name.to_string(),
            ..Default::default()
        };
        let report = reportcheck::check_bytes_with(&bytes, name, &options)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        print!(
            "{}",
            if *json {
                report.to_json()
            } else {
                report.to_markdown()
            }
        );
        if let Some(path) = figures_xlsx {
            std::fs::write(path, reportcheck::figures_xlsx(&report.figures))?;
        }
        if let Some(path) = cleaned_txt {
            std::fs::write(path, &report.cleaned_text)?;
        }
        if let Some(path) = cleaned_docx {
            std::fs::write(path, reportcheck::cleaned_docx(&report))?;
        }
        return Ok(());
    }
    if let Command::Restore { file } = &cli.command {
        // Replaces the database file: before anything connects to it.
        let r = shequ::cli::backup::restore(&cli.database_url, file).await?;
        if let Some(k) = &r.kept {
            println!(
                "原数据库已保留为 / the replaced database is kept as {}",
                k.display()
            );
        }
        println!(
            "已从 {} 恢复 / restored; 审计日志 {} 条, {}",
            file.display(),
            r.audit.entries,
            match &r.audit.broken {
                None => "校验完整 / chain intact".to_string(),
                Some(b) => format!("在 id {} 处断开 / broken: {}", b.id, b.reason),
            }
        );
        return Ok(());
    }
    let db = Db::connect(&cli.database_url).await?;
    tags::ensure_builtin(&db).await?;
    match cli.command {
        Command::Migrate => println!("数据库已是最新 / migrations applied"),
        Command::Restore { .. } => unreachable!("handled before connecting"),
        Command::Backup { file } => {
            let b = shequ::cli::backup::backup(&db, &file).await?;
            println!(
                "已备份到 / backed up to {} ({:.1} MB, {:.2}s)",
                file.display(),
                b.bytes as f64 / 1e6,
                b.seconds
            );
        }
        Command::Audit(AuditWhat::Verify) => {
            let v = shequ::audit::verify(&db).await?;
            match v.broken {
                None => println!(
                    "审计日志完整 / audit chain intact: {} 条, head {}",
                    v.entries,
                    v.head.as_deref().unwrap_or("-")
                ),
                Some(b) => {
                    println!(
                        "审计日志在第 {} 条(id {},{} UTC)处断开:{} / audit chain broken at id {}",
                        v.entries, b.id, b.at, b.reason, b.id
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::BenchCases { count } => {
            let a = demo::bench_cases::add(&db, count, &|line| eprintln!("  {line}")).await?;
            println!(
                "bench cases: {} cases, {} events, {} mediations, {} workers ({:.1}s)",
                a.cases, a.events, a.mediations, a.workers, a.seconds
            );
        }
        Command::Import(ImportWhat::Persons {
            file,
            grid,
            dry_run,
            valid_rows,
            create_places,
            report,
            as_user,
        }) => {
            shequ::cli::import::run(
                &db,
                shequ::cli::import::Args {
                    file,
                    grid,
                    dry_run,
                    valid_rows,
                    create_places,
                    report,
                    as_user,
                },
            )
            .await?
        }
        Command::CheckReport { .. } => unreachable!("handled before connecting"),
        Command::Ledger {
            code,
            period,
            node,
            out,
            as_user,
        } => {
            shequ::cli::report::ledger(
                &db,
                shequ::cli::report::LedgerArgs {
                    code,
                    period,
                    node,
                    out,
                    as_user,
                },
            )
            .await?
        }
        Command::Report {
            template,
            period,
            node,
            out,
            as_user,
        } => {
            shequ::cli::report::run(
                &db,
                shequ::cli::report::Args {
                    template,
                    period,
                    node,
                    out,
                    as_user,
                },
            )
            .await?
        }
        Command::Tree(TreeWhat::Import {
            file,
            street,
            dry_run,
        }) => shequ::cli::tree::import(&db, &file, &street, dry_run).await?,
        Command::Demo { scale } => {
            if !demo::is_empty(&db).await? {
                anyhow::bail!(
                    "数据库中已有数据,演示数据只能生成到空数据库 / the database is not empty"
                );
            }
            fill_demo(&db, scale).await?;
        }
        Command::Admin {
            username,
            password,
            street,
            display_name,
        } => {
            let system = Actor::system();
            let existing = nodes::roots(&db, &system)
                .await?
                .into_iter()
                .find(|n| n.name == street);
            let street_node = match existing {
                Some(n) => n,
                None => {
                    nodes::create(
                        &db,
                        &system,
                        None,
                        nodes::Kind::Street,
                        &nodes::NodeInput {
                            name: street,
                            code: None,
                        },
                    )
                    .await?
                }
            };
            let new = users::NewUser {
                username,
                display_name,
                password,
                role: Role::StreetAdmin,
                street_id: Some(street_node.id),
                community_id: None,
                grids: vec![],
                buildings: vec![],
            };
            let id = users::create(&db, &system, &new).await?;
            println!(
                "已创建街道管理员 {} (id {id}),街道:{}",
                new.username, street_node.name
            );
        }
        Command::Serve {
            listen,
            demo: with_demo,
            scale,
            mqtt_url,
        } => {
            if with_demo && demo::is_empty(&db).await? {
                fill_demo(&db, scale).await?;
            }
            // Notifications: the outbox sender (every channel to the log until a gateway adapter is set up).
            shequ::devices::notify::spawn(db.clone(), shequ::devices::notify::log_adapters());
            // Device events over MQTT, when a broker is configured; a bad setting is reported, not fatal.
            // With several servers on one database only the holder of its lease connects.
            if let Some(url) = mqtt_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                if let Err(e) = shequ::devices::mqtt::start_leased(
                    db.clone(),
                    shequ::devices::mqtt::Config::from_env(url),
                ) {
                    eprintln!("MQTT 未启动 / MQTT intake not started: {e}");
                }
            }
            web::serve(db, &listen, |addr| {
                println!("shequ 已启动 / listening on http://{addr}/")
            })
            .await?;
        }
    }
    Ok(())
}
