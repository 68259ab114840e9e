//! The users CSV file: Ketesa's column set, so that a file exported there imports here and a
//! file exported here imports there.
//!
//! One header row (case-insensitive). `id` (a localpart or a full Matrix ID on this homeserver)
//! and `displayname` are required; `password`, `admin`, `is_guest`, `deactivated`,
//! `avatar_url`, `user_type` and `threepids` (`email:a@b.org,msisdn:+44…`) are optional; other
//! columns are reported and ignored. Booleans are `1`/`true`/`yes`/`on` or
//! `0`/`false`/`no`/`off`, and empty, `null` or `undefined` mean false. A UTF-8 byte-order mark
//! and CRLF line endings are accepted. The format is documented in `docs/seats-csv.md`.
//!
//! Parsing is pure: what exists on the homeserver, and whether the rows fit the seats, is the
//! import's to judge.

use serde::Serialize;
use ts_rs::TS;

use super::ledger::localpart_error;
use super::ledger::SeatUser;
use super::SeatsError;
use crate::vault::Secret;

/// The columns this file format knows, in the order an export writes them.
pub const COLUMNS: [&str; 9] = [
    "id",
    "displayname",
    "password",
    "admin",
    "is_guest",
    "deactivated",
    "avatar_url",
    "user_type",
    "threepids",
];

/// A third-party identifier of a user (`email` or `msisdn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Threepid {
    /// `email` or `msisdn`.
    pub medium: String,
    /// The address or phone number.
    pub address: String,
}

/// A row that can be acted on: its user and what to set.
// One bool per boolean column of the format.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct UserRow {
    /// The full Matrix ID on this homeserver.
    pub user_id: String,
    /// The display name.
    pub display_name: String,
    /// The password from the file; `None` means one is generated.
    pub password: Option<Secret>,
    /// Make the user a server admin.
    pub admin: bool,
    /// The row describes a guest (skipped: an import creates active accounts).
    pub guest: bool,
    /// The row describes a deactivated account (skipped likewise).
    pub deactivated: bool,
    /// An `mxc:` avatar.
    pub avatar_url: Option<String>,
    /// A user type (`bot`, `support`…), passed to the homeserver; a typed user takes no seat.
    pub user_type: Option<String>,
    /// Emails and phone numbers.
    pub threepids: Vec<Threepid>,
}

impl UserRow {
    /// Whether the account takes a seat once created.
    #[must_use]
    pub fn takes_seat(&self) -> bool {
        self.user_type.is_none()
    }
}

/// One data row of the file.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line it starts on (the header is line 1).
    pub line: u32,
    /// The `id` cell as written, to name the row when it cannot be read.
    pub id: String,
    /// The row, or why it cannot be used.
    pub parsed: Result<UserRow, String>,
}

/// A whole file, read.
#[derive(Debug, Clone)]
pub struct UsersFile {
    /// The data rows in file order.
    pub rows: Vec<Row>,
    /// Header columns this format does not know, ignored.
    pub unknown_columns: Vec<String>,
}

/// Reads `bytes` as a users CSV file for the homeserver whose Matrix IDs end in `server_name`.
/// Only a file that cannot be read at all (not UTF-8, no header, a required column missing) is
/// an error; a bad row is reported in its row.
pub fn parse(bytes: &[u8], server_name: &str) -> Result<UsersFile, SeatsError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(SeatsError::InvalidInput(
            "The file is not UTF-8 text. Save it as CSV (UTF-8) and choose it again.".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header = reader.headers().map_err(|e| unreadable(&e))?.clone();
    let names: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    let column = |name: &str| names.iter().position(|n| n == name);
    let (Some(id_at), Some(name_at)) = (column("id"), column("displayname")) else {
        return Err(SeatsError::InvalidInput(format!(
            "The file's first row must name the columns, with at least 'id' and 'displayname'; it has: {}.",
            if names.iter().all(String::is_empty) { "nothing".to_owned() } else { names.join(", ") }
        )));
    };
    let unknown_columns = names
        .iter()
        .filter(|n| !COLUMNS.contains(&n.as_str()))
        .cloned()
        .collect();
    let at = Columns {
        id: id_at,
        displayname: name_at,
        password: column("password"),
        admin: column("admin"),
        is_guest: column("is_guest"),
        deactivated: column("deactivated"),
        avatar_url: column("avatar_url"),
        user_type: column("user_type"),
        threepids: column("threepids"),
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| unreadable(&e))?;
        // The line from the byte offset, since csv's own count is one short after a CRLF. The
        // offset points at the `\n` of a CRLF that ends the row before: count it.
        let line = record.position().map_or(0, |p| {
            let upto = usize::try_from(p.byte()).unwrap_or(0).saturating_add(1);
            let before = &bytes[..upto.min(bytes.len())];
            u32::try_from(before.split(|b| *b == b'\n').count()).unwrap_or(u32::MAX)
        });
        if record.iter().all(str::is_empty) {
            continue;
        }
        let id = record.get(at.id).unwrap_or_default().to_owned();
        let parsed = if record.len() == header.len() {
            at.read(&record, server_name)
        } else {
            Err(format!(
                "the row has {} cells where the header has {}",
                record.len(),
                header.len()
            ))
        };
        rows.push(Row { line, id, parsed });
    }
    Ok(UsersFile {
        rows,
        unknown_columns,
    })
}

/// Writes `users` in this format, without passwords. `threepids` gives each user's, where known.
#[must_use]
pub fn write(users: &[(SeatUser, Option<String>, Vec<Threepid>)]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(COLUMNS);
    for (user, avatar_url, threepids) in users {
        let flag = |b: bool| if b { "true" } else { "false" };
        let threepids = threepids
            .iter()
            .map(|t| format!("{}:{}", t.medium, t.address))
            .collect::<Vec<_>>()
            .join(",");
        let _ = writer.write_record([
            user.user_id.as_str(),
            user.display_name.as_deref().unwrap_or_default(),
            "",
            flag(user.admin),
            flag(user.guest),
            flag(user.deactivated),
            avatar_url.as_deref().unwrap_or_default(),
            user.user_type.as_deref().unwrap_or_default(),
            &threepids,
        ]);
    }
    writer.into_inner().unwrap_or_default()
}

fn unreadable(error: &csv::Error) -> SeatsError {
    let at = error
        .position()
        .map(|p| format!(" at line {}", p.line()))
        .unwrap_or_default();
    SeatsError::InvalidInput(format!(
        "The file cannot be read as CSV{at}: {}. Check the quotes on that line.",
        match error.kind() {
            csv::ErrorKind::Utf8 { .. } => "it is not UTF-8 text".to_owned(),
            _ => "a cell is not closed or not separated by commas".to_owned(),
        }
    ))
}

/// Where each known column is.
struct Columns {
    id: usize,
    displayname: usize,
    password: Option<usize>,
    admin: Option<usize>,
    is_guest: Option<usize>,
    deactivated: Option<usize>,
    avatar_url: Option<usize>,
    user_type: Option<usize>,
    threepids: Option<usize>,
}

impl Columns {
    fn read(&self, record: &csv::StringRecord, server_name: &str) -> Result<UserRow, String> {
        let cell = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or_default();
        let optional = |at: Option<usize>| Some(cell(at).to_owned()).filter(|v| !v.is_empty());
        let flag = |name: &str, at: Option<usize>| {
            boolean(cell(at)).ok_or_else(|| {
                format!(
                "'{}' in column {name} is not a yes or no (use true/false, yes/no, 1/0 or on/off)",
                cell(at)
            )
            })
        };
        let user_id = user_id_in_file(cell(Some(self.id)), server_name)?;
        let display_name = cell(Some(self.displayname)).to_owned();
        if display_name.is_empty() {
            return Err("the display name is empty".to_owned());
        }
        let avatar_url = optional(self.avatar_url);
        if let Some(url) = &avatar_url {
            if !url.starts_with("mxc://") {
                return Err(format!("the avatar '{url}' is not an mxc:// address"));
            }
        }
        Ok(UserRow {
            user_id,
            display_name,
            password: optional(self.password).map(Secret::new),
            admin: flag("admin", self.admin)?,
            guest: flag("is_guest", self.is_guest)?,
            deactivated: flag("deactivated", self.deactivated)?,
            avatar_url,
            user_type: optional(self.user_type),
            threepids: threepids(cell(self.threepids))?,
        })
    }
}

/// A cell as a boolean: `None` when it is not one.
fn boolean(cell: &str) -> Option<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" | "null" | "undefined" => Some(false),
        _ => None,
    }
}

/// The Matrix ID of an `id` cell: a localpart, or a full Matrix ID on `server_name`.
fn user_id_in_file(cell: &str, server_name: &str) -> Result<String, String> {
    let localpart = match cell.strip_prefix('@') {
        Some(rest) => match rest.split_once(':') {
            Some((local, server)) if server == server_name => local,
            Some((_, server)) => {
                return Err(format!("{cell} is on {server}, not on {server_name}"));
            }
            None => rest,
        },
        None => cell,
    };
    if localpart.is_empty() {
        return Err("the id is empty".to_owned());
    }
    if let Some(why) = localpart_error(localpart) {
        return Err(format!("'{localpart}' is not a valid user name: {why}"));
    }
    Ok(format!("@{localpart}:{server_name}"))
}

/// `email:a@b.org,msisdn:+44…`.
fn threepids(cell: &str) -> Result<Vec<Threepid>, String> {
    cell.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| match t.split_once(':') {
            Some((medium @ ("email" | "msisdn"), address)) if !address.trim().is_empty() => {
                Ok(Threepid {
                    medium: medium.to_owned(),
                    address: address.trim().to_owned(),
                })
            }
            _ => Err(format!(
                "'{t}' in column threepids is not email:address or msisdn:number"
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: &str = "example.org";

    fn rows(text: &str) -> Vec<Result<UserRow, String>> {
        parse(text.as_bytes(), HERE)
            .expect("readable")
            .rows
            .into_iter()
            .map(|r| r.parsed)
            .collect()
    }

    #[test]
    fn booleans_take_every_spelling_and_refuse_others() {
        for yes in ["1", "true", "TRUE", "yes", "on"] {
            assert_eq!(boolean(yes), Some(true), "{yes}");
        }
        for no in ["0", "false", "no", "off", "", "null", "undefined"] {
            assert_eq!(boolean(no), Some(false), "{no}");
        }
        assert_eq!(boolean("maybe"), None);
    }

    #[test]
    fn a_bom_crlf_file_with_upper_case_headers_reads() {
        let file = "\u{feff}ID,DisplayName,Admin,Extra\r\nalice,Alice,yes,x\r\n@bob:example.org,Bob,,y\r\n";
        let parsed = parse(file.as_bytes(), HERE).expect("readable");
        assert_eq!(parsed.unknown_columns, ["extra"]);
        let users: Vec<_> = parsed
            .rows
            .iter()
            .map(|r| r.parsed.as_ref().expect("valid"))
            .collect();
        assert_eq!(users[0].user_id, "@alice:example.org");
        assert!(users[0].admin);
        assert_eq!(users[1].user_id, "@bob:example.org");
        let lines: Vec<u32> = parsed.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3], "the header is line 1");
    }

    #[test]
    fn bad_rows_say_why_and_good_ones_keep_their_fields() {
        let parsed = rows(
            "id,displayname,password,is_guest,threepids,user_type,avatar_url\n\
             Carol,Carol,,,,,\n\
             @dan:other.org,Dan,,,,,\n\
             erin,Erin,,perhaps,,,\n\
             frank,Frank,a password,,\"email:f@example.org,msisdn:+441234\",bot,mxc://example.org/abc\n\
             gina,Gina,,,phone:1,,\n\
             hal,,,,,,\n",
        );
        assert!(parsed[0]
            .as_ref()
            .unwrap_err()
            .contains("not a valid user name"));
        assert!(parsed[1].as_ref().unwrap_err().contains("other.org"));
        assert!(parsed[2].as_ref().unwrap_err().contains("'perhaps'"));
        let frank = parsed[3].as_ref().expect("valid");
        assert_eq!(
            frank.password.as_ref().map(Secret::expose),
            Some("a password")
        );
        assert_eq!(frank.threepids.len(), 2);
        assert!(!frank.takes_seat(), "a bot takes no seat");
        assert!(parsed[4].as_ref().unwrap_err().contains("threepids"));
        assert!(parsed[5].as_ref().unwrap_err().contains("display name"));
    }

    #[test]
    fn a_file_without_the_required_columns_is_refused_whole() {
        for text in ["", "name,email\nalice,a@b.org\n", "id\nalice\n"] {
            let refused = parse(text.as_bytes(), HERE).expect_err(text);
            assert!(refused.to_string().contains("'displayname'"), "{refused}");
        }
        assert!(parse(b"id,displayname\n\xff\xfe,x\n", HERE).is_err());
    }

    #[test]
    fn an_export_reads_back() {
        let user = crate::seats::UserFacts {
            user_id: "@a:example.org".into(),
            display_name: Some("A, \"the\" first".into()),
            admin: true,
            ..Default::default()
        }
        .judge(0);
        let threepids = vec![Threepid {
            medium: "email".into(),
            address: "a@example.org".into(),
        }];
        let bytes = write(&[(user, None, threepids.clone())]);
        let back = parse(&bytes, HERE).expect("readable");
        let row = back.rows[0].parsed.as_ref().expect("valid");
        assert_eq!(row.display_name, "A, \"the\" first");
        assert!(row.admin);
        assert_eq!(row.threepids, threepids);
        assert!(back.unknown_columns.is_empty());
    }
}
