//! `ems-sandbox`: serve the EMS reference server, or add a customer to its database.

use std::io::{BufRead as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ems_sandbox::{NewUser, ProviderConfig, Sandbox, SandboxConfig, SandboxError, Secret, Store};

/// The EMS reference server: an OIDC provider over `SQLite`.
#[derive(Parser)]
#[command(name = "ems-sandbox", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the provider until stopped (Ctrl-C or SIGTERM).
    Serve {
        /// The database file (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// The address to listen on; the issuer is this address over http unless the config sets one.
        #[arg(long, default_value = "127.0.0.1:8765")]
        bind: SocketAddr,
        /// The TOML config file with the clients (see docs/ems-sandbox.md).
        #[arg(long)]
        config: PathBuf,
    },
    /// Manage customers.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a customer; the password is read from the first line of standard input.
    Add {
        /// The database file (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// The email address, used to sign in.
        #[arg(long)]
        email: String,
        /// The display name.
        #[arg(long)]
        name: String,
        /// The preferred user name (a Matrix localpart); defaults to the email's local part.
        #[arg(long)]
        username: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

/// Writes `log` records to standard error.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info && metadata.target().starts_with("ems_sandbox")
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let _ = writeln!(
                std::io::stderr(),
                "ems-sandbox {}: {}",
                record.level(),
                record.args()
            );
        }
    }
    fn flush(&self) {}
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = log::set_logger(&StderrLog).map(|()| log::set_max_level(log::LevelFilter::Info));
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ems-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), SandboxError> {
    match cli.command {
        Command::Serve { db, bind, config } => {
            let provider = ProviderConfig::load(&config)?;
            let sandbox = Sandbox::bind(
                SandboxConfig {
                    database: db,
                    provider,
                },
                bind,
            )
            .await?;
            println!("EMS_SANDBOX_ISSUER={}", sandbox.issuer());
            sandbox.wait().await
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    email,
                    name,
                    username,
                    password_stdin: _,
                },
        } => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let password = Secret::new(line.trim_end_matches(['\r', '\n']));
            let user = tokio::task::spawn_blocking(move || {
                Store::open(&db)?.add_user(&NewUser {
                    email,
                    name,
                    username,
                    password,
                })
            })
            .await??;
            println!(
                "added user {} <{}>, username {}, sub {}",
                user.name, user.email, user.username, user.id
            );
            Ok(())
        }
    }
}
