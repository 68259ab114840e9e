//! `ems-sandbox`: serve the EMS reference server, add or seed customers, or mint an access token.

use std::io::{BufRead as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ems_sandbox::seed::{seed, SeedOutcome};
use ems_sandbox::{
    Homeservers, NewUser, ProviderConfig, Sandbox, SandboxConfig, SandboxError, Secret, Store,
};

/// The EMS reference server: an OIDC provider and the control-panel API over `SQLite`.
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
        /// Also serve the authorization server over https on this address (same database;
        /// its issuer is `https://<address>/`). Needs --tls-dir.
        #[arg(long, requires = "tls_dir")]
        https_bind: Option<SocketAddr>,
        /// Where the https listener's CA (`ca.pem`, for clients to trust), certificate and key
        /// live; made on first use.
        #[arg(long)]
        tls_dir: Option<PathBuf>,
    },
    /// Manage customers.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create the demo customer (once): company details, billing address, a card, and one
    /// subscription of each kind on the homeservers the config lists.
    Seed {
        /// The database file (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// The TOML config file; it must list [[homeservers]] and [element_one].
        #[arg(long)]
        config: PathBuf,
        /// The demo customer's email.
        #[arg(long, default_value = "demo@example.org")]
        email: String,
        /// The demo customer's name.
        #[arg(long, default_value = "Demo Customer")]
        name: String,
        /// Read the password from standard input; otherwise one is generated and printed.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Access tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Mint an access token for a customer directly in the database, without a browser, and
    /// print it. For scripts and API testing against a local sandbox.
    Issue {
        /// The database file.
        #[arg(long)]
        db: PathBuf,
        /// The customer's email.
        #[arg(long)]
        email: String,
        /// The space-separated scopes, e.g. "ems.account ems.subscriptions".
        #[arg(long)]
        scope: String,
        /// The client the token is issued to.
        #[arg(long, default_value = "element-accounts")]
        client_id: String,
        /// How long the token is valid, in seconds.
        #[arg(long, default_value_t = 3600)]
        lifetime_secs: u32,
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
        Command::Serve {
            db,
            bind,
            config,
            https_bind,
            tls_dir,
        } => {
            let provider = ProviderConfig::load(&config)?;
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .map_err(|source| SandboxError::Bind { addr: bind, source })?;
            let mut tls = None;
            if let (Some(addr), Some(dir)) = (https_bind, tls_dir) {
                let (identity, ca) = ems_sandbox::tls::ServerIdentity::load_or_create(&dir)?;
                let https = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|source| SandboxError::Bind { addr, source })?;
                println!("EMS_SANDBOX_CA_FILE={}", ca.display());
                tls = Some((https, identity));
            }
            let sandbox = Sandbox::start_with_authorization_server(
                SandboxConfig {
                    database: db,
                    provider,
                },
                listener,
                tls,
            )
            .await?;
            println!("EMS_SANDBOX_ISSUER={}", sandbox.issuer());
            if let Some(issuer) = sandbox.authorization_server() {
                println!("EMS_SANDBOX_AUTHORIZATION_SERVER={issuer}");
            }
            sandbox.wait().await
        }
        Command::Seed {
            db,
            config,
            email,
            name,
            password_stdin,
        } => run_seed(db, &config, email, name, password_stdin).await,
        Command::Token {
            command:
                TokenCommand::Issue {
                    db,
                    email,
                    scope,
                    client_id,
                    lifetime_secs,
                },
        } => {
            let token = tokio::task::spawn_blocking(move || {
                Store::open(&db)?.issue_access_token(
                    &email,
                    &client_id,
                    &scope,
                    i64::from(lifetime_secs),
                )
            })
            .await??;
            println!("{token}");
            Ok(())
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
            let password = read_password()?;
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

/// The first line of standard input.
fn read_password() -> Result<Secret, SandboxError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(Secret::new(line.trim_end_matches(['\r', '\n'])))
}

/// A random 16-character password (letters and digits).
fn random_password() -> String {
    use rand::Rng as _;
    rand::thread_rng()
        .sample_iter(rand::distributions::Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

async fn run_seed(
    db: PathBuf,
    config: &std::path::Path,
    email: String,
    name: String,
    password_stdin: bool,
) -> Result<(), SandboxError> {
    let homeservers = Homeservers::from_config(&ProviderConfig::load(config)?);
    let (password, generated) = if password_stdin {
        (read_password()?, false)
    } else {
        (Secret::new(random_password()), true)
    };
    let shown = generated.then(|| password.expose().to_owned());
    let new = NewUser {
        email,
        name,
        username: None,
        password,
    };
    let outcome = tokio::task::spawn_blocking(move || {
        seed(&Store::open(&db)?, &homeservers, &new).map(|o| (o, new.email))
    })
    .await??;
    match outcome {
        (
            SeedOutcome::Seeded {
                user,
                subscriptions,
            },
            _,
        ) => {
            println!("EMS_SANDBOX_DEMO_EMAIL={}", user.email);
            if let Some(password) = shown {
                println!("EMS_SANDBOX_DEMO_PASSWORD={password}");
            }
            for sub in subscriptions {
                eprintln!(
                    "seeded {} subscription {} ({})",
                    sub.kind().as_str(),
                    sub.id(),
                    sub.status().as_str()
                );
            }
        }
        (_, email) => {
            println!("EMS_SANDBOX_DEMO_EMAIL={email}");
            eprintln!("{email} already exists; the database is left as it is");
        }
    }
    Ok(())
}
