//! A throwaway PostgreSQL cluster for the audit tests that run against the PostgreSQL
//! backend: Debian's `initdb` and `pg_ctl` (as the `postgres` user when the tests run as
//! root, since PostgreSQL refuses root) in a temporary directory, on a free loopback port,
//! with a password (so the emulator's `password_env` path is the one exercised). Stopped
//! on drop; the cluster the tests share is also stopped by a watchdog when the test
//! process ends. Each test gets a fresh database of its own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use vtj_emulator::audit::settings::{Backend, PgSettings};

/// The password of the clusters' `vtj` superuser: distinctive, so a test can search the
/// emulator's output for it.
pub const PASSWORD: &str = "pg-Secret-7f3e91a2";

/// Which audit store a parametrised test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Embedded,
    Postgres,
}

/// Generates `mod NAME { embedded, postgres }` running `NAME(Store::…)`, so one test body
/// covers both audit stores.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn embedded() {
                    super::$name($crate::pg::Store::Embedded).await
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name($crate::pg::Store::Postgres).await
                }
            }
        )*
    };
}

fn bin_dir() -> PathBuf {
    let found = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            let mut bins: Vec<PathBuf> = dirs
                .filter_map(|d| d.ok())
                .map(|d| d.path().join("bin"))
                .filter(|b| b.join("initdb").exists())
                .collect();
            bins.sort();
            bins.pop()
        });
    found.unwrap_or_else(|| {
        panic!("no PostgreSQL binaries in /usr/lib/postgresql/*/bin: run scripts/test, which installs postgresql")
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `program args…`, as the `postgres` user when we are root.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) {
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run ({e})"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PostgreSQL cluster of its own.
pub struct PgCluster {
    dir: tempfile::TempDir,
    pub port: u16,
    bin: PathBuf,
    databases: AtomicU32,
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("vtj-pg-")
            .tempdir()
            .unwrap();
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if is_root() {
            let mut c = Command::new("chown");
            c.args(["-R", "postgres:"]).arg(dir.path());
            run(c, "chown");
        }
        let mut c = as_owner(&bin.join("initdb"));
        c.arg("-D")
            .arg(dir.path().join("data"))
            .args([
                "-U",
                "vtj",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()));
        run(c, "initdb");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = PgCluster {
            dir,
            port,
            bin,
            databases: AtomicU32::new(0),
        };
        cluster.start_server();
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server (again) and waits until it answers.
    pub fn start_server(&self) {
        let mut c = as_owner(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .arg("-o")
            .arg(format!(
                "-p {} -c listen_addresses=127.0.0.1 -k {} -c max_connections=200",
                self.port,
                self.dir.path().display()
            ))
            .args(["-w", "start"]);
        run(c, "pg_ctl start");
    }

    /// Stops the server (fast: open connections are cut, as in a restart).
    pub fn stop_server(&self) {
        let mut c = as_owner(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"]);
        run(c, "pg_ctl stop");
    }

    /// Stops the server as a crash would (no shutdown checkpoint, connections cut).
    pub fn crash_server(&self) {
        let mut c = as_owner(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        run(c, "pg_ctl stop -m immediate");
    }

    /// Runs SQL through psql in database `db`; its output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .env("PGPASSWORD", PASSWORD)
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "vtj",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-d", db, "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A new, empty database's name.
    pub fn database(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        let name = format!("t{}_{n}", std::process::id());
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        name
    }

    /// `postgres://vtj@127.0.0.1:PORT/DB` (no password in it).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://vtj@127.0.0.1:{}/{db}", self.port)
    }

    /// The audit backend settings of a fresh database (the password as `password_env`
    /// would give it).
    pub fn backend(&self) -> Backend {
        self.backend_for(&self.database())
    }

    /// The audit backend settings of database `db`.
    pub fn backend_for(&self, db: &str) -> Backend {
        Backend::Postgres(PgSettings {
            url: self.url(db),
            password: Some(PASSWORD.into()),
            pool_size: 4,
        })
    }

    /// An `[audit]` section for database `db`, the password in the environment variable
    /// `VTJ_AUDIT_PG_PASSWORD`.
    pub fn audit_toml(&self, db: &str) -> String {
        format!(
            "[audit]\nbackend = \"postgres\"\nurl = \"{}\"\npassword_env = \"VTJ_AUDIT_PG_PASSWORD\"\npool_size = 4\n",
            self.url(db)
        )
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let mut c = as_owner(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = c.output();
    }
}

/// The cluster the parametrised tests share (started once per test process; a watchdog
/// stops it when the process ends, as statics are never dropped).
pub fn shared() -> &'static PgCluster {
    static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let cluster = PgCluster::start();
        let script = format!(
            "while [ -d /proc/{pid} ]; do sleep 1; done; {stop} -D {data} -m immediate stop; rm -rf {dir}",
            pid = std::process::id(),
            stop = if is_root() {
                format!("runuser -u postgres -- {}", cluster.bin.join("pg_ctl").display())
            } else {
                cluster.bin.join("pg_ctl").display().to_string()
            },
            data = cluster.data().display(),
            dir = cluster.dir.path().display(),
        );
        // Outlives the test process on purpose: it stops the cluster once that is gone.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the cluster's watchdog");
        cluster
    })
}

/// Sets the audit store of `settings` to `store` (a fresh database of the shared cluster
/// for PostgreSQL).
pub fn use_store(settings: &mut vtj_emulator::config::Settings, store: Store) {
    if store == Store::Postgres {
        settings.audit.backend = shared().backend();
    }
}
