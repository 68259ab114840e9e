//! Account data of the control-panel API: personal and company details, billing address, the
//! masked payment method, and access tokens minted for the command line.

use ems_api::{
    Account, AccountDetails, BillingAddress, CardBrand, Company, CompanySize, PaymentMethod,
    Problem, ProblemCode,
};
use rusqlite::{params, Connection, OptionalExtension as _};

use super::{exists, Store};
use crate::api::ApiError;
use crate::secret::{new_token, now};
use crate::SandboxError;

impl Store {
    /// The account of `user_id`, or `None` when the user is gone.
    pub fn account(&self, user_id: &str) -> Result<Option<Account>, SandboxError> {
        account(&self.conn(), user_id)
    }

    /// Replaces name, email and company details. Another user's email is a 409.
    pub fn update_details(
        &self,
        user_id: &str,
        details: &AccountDetails,
    ) -> Result<Account, ApiError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(SandboxError::from)?;
        let taken = exists(
            &tx,
            "SELECT 1 FROM users WHERE email = ?1 AND id <> ?2",
            params![details.email, user_id],
        )
        .map_err(SandboxError::from)?;
        if taken {
            return Err(Problem::new(
                ProblemCode::EmailTaken,
                "another account uses this email address; choose another",
            )
            .with_field("email")
            .into());
        }
        let write = || -> rusqlite::Result<()> {
            tx.execute(
                "UPDATE users SET name = ?1, email = ?2 WHERE id = ?3",
                params![details.name, details.email, user_id],
            )?;
            match &details.company {
                None => {
                    tx.execute("DELETE FROM companies WHERE user_id = ?1", [user_id])?;
                }
                Some(c) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO companies (user_id, name, number, size) VALUES (?1, ?2, ?3, ?4)",
                        params![user_id, c.name, c.number, c.size.map(CompanySize::as_str)],
                    )?;
                }
            }
            Ok(())
        };
        write().map_err(SandboxError::from)?;
        let account = account(&tx, user_id)?.ok_or_else(not_found)?;
        tx.commit().map_err(SandboxError::from)?;
        Ok(account)
    }

    /// Replaces the billing address.
    pub fn set_billing_address(
        &self,
        user_id: &str,
        a: &BillingAddress,
    ) -> Result<(), SandboxError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO billing_addresses (user_id, line1, line2, city, region, postal_code, country)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![user_id, a.line1, a.line2, a.city, a.region, a.postal_code, a.country],
        )?;
        Ok(())
    }

    /// Replaces the (already masked) payment method.
    pub fn set_payment_method(&self, user_id: &str, p: &PaymentMethod) -> Result<(), SandboxError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO payment_methods (user_id, brand, last4, expiry_month, expiry_year, holder_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![user_id, brand_name(p.brand), p.last4, p.expiry_month, p.expiry_year, p.holder_name],
        )?;
        Ok(())
    }

    /// Mints an access token for the user with `email` directly, without a browser: for the
    /// command line (`ems-sandbox token issue`) and tests. `scope` must be known scopes.
    pub fn issue_access_token(
        &self,
        email: &str,
        client_id: &str,
        scope: &str,
        lifetime_secs: i64,
    ) -> Result<String, SandboxError> {
        for s in scope.split(' ').filter(|s| !s.is_empty()) {
            if !crate::oauth::SCOPES.contains(&s) {
                return Err(SandboxError::UnknownScope(s.to_owned()));
            }
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let user_id: String = tx
            .query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| SandboxError::NoSuchUser(email.to_owned()))?;
        let now = now();
        tx.execute(
            "INSERT INTO grants (client_id, user_id, scope, auth_time, created_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![client_id, user_id, scope, now],
        )?;
        let grant_id = tx.last_insert_rowid();
        let token = new_token();
        tx.execute(
            "INSERT INTO access_tokens (token_hash, grant_id, scope, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![crate::secret::token_hash(&token), grant_id, scope, now + lifetime_secs],
        )?;
        tx.commit()?;
        Ok(token)
    }
}

fn not_found() -> ApiError {
    Problem::new(ProblemCode::NotFound, "the account no longer exists").into()
}

pub(super) fn brand_name(brand: CardBrand) -> &'static str {
    match brand {
        CardBrand::Visa => "visa",
        CardBrand::Mastercard => "mastercard",
        CardBrand::Amex => "amex",
        CardBrand::Discover => "discover",
        CardBrand::Other => "other",
    }
}

fn brand_from(name: &str) -> CardBrand {
    match name {
        "visa" => CardBrand::Visa,
        "mastercard" => CardBrand::Mastercard,
        "amex" => CardBrand::Amex,
        "discover" => CardBrand::Discover,
        _ => CardBrand::Other,
    }
}

fn account(conn: &Connection, user_id: &str) -> Result<Option<Account>, SandboxError> {
    let Some(mut account) = conn
        .query_row(
            "SELECT id, email, name, username, created_at FROM users WHERE id = ?1",
            [user_id],
            |r| {
                Ok(Account {
                    id: r.get(0)?,
                    email: r.get(1)?,
                    name: r.get(2)?,
                    username: r.get(3)?,
                    company: None,
                    billing_address: None,
                    payment_method: None,
                    created_at: r.get(4)?,
                })
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    account.company = conn
        .query_row(
            "SELECT name, number, size FROM companies WHERE user_id = ?1",
            [user_id],
            |r| {
                let size: Option<String> = r.get(2)?;
                Ok(Company {
                    name: r.get(0)?,
                    number: r.get(1)?,
                    size: size.and_then(|s| CompanySize::ALL.into_iter().find(|c| c.as_str() == s)),
                })
            },
        )
        .optional()?;
    account.billing_address = conn
        .query_row(
            "SELECT line1, line2, city, region, postal_code, country FROM billing_addresses WHERE user_id = ?1",
            [user_id],
            |r| {
                Ok(BillingAddress {
                    line1: r.get(0)?,
                    line2: r.get(1)?,
                    city: r.get(2)?,
                    region: r.get(3)?,
                    postal_code: r.get(4)?,
                    country: r.get(5)?,
                })
            },
        )
        .optional()?;
    account.payment_method = conn
        .query_row(
            "SELECT brand, last4, expiry_month, expiry_year, holder_name FROM payment_methods WHERE user_id = ?1",
            [user_id],
            |r| {
                Ok(PaymentMethod {
                    brand: brand_from(&r.get::<_, String>(0)?),
                    last4: r.get(1)?,
                    expiry_month: r.get(2)?,
                    expiry_year: r.get(3)?,
                    holder_name: r.get(4)?,
                })
            },
        )
        .optional()?;
    Ok(Some(account))
}
