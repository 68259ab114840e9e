//! `ems-sandbox seed`: a demo customer for the local stack, with company details, a billing
//! address, a card, and one subscription of each kind on the homeservers the config lists (the
//! local Synapse).

use ems_api::{
    AccountDetails, BillingAddress, Company, CompanySize, NewElementOne, NewHostedHomeserver,
    NewOnPremise, NewSubscription, PaymentMethod, Subscription,
};

use crate::api::ApiError;
use crate::store::{Homeservers, NewUser, Store, User};
use crate::SandboxError;

/// The test card the demo customer pays with (Visa's documented test number).
const DEMO_CARD: &str = "4242424242424242";

/// What `seed` did.
#[derive(Debug)]
#[non_exhaustive]
pub enum SeedOutcome {
    /// The customer was created with these subscriptions.
    Seeded {
        /// The new customer.
        user: User,
        /// One subscription of each kind.
        subscriptions: Vec<Subscription>,
    },
    /// A customer with this email already exists; nothing was changed.
    AlreadySeeded,
}

fn refused(e: ApiError) -> SandboxError {
    match e {
        ApiError::Server(e) => e,
        ApiError::Refused(p) => SandboxError::Seed(p.detail),
    }
}

/// Creates the demo customer `new` (once). The config must list a homeserver and an Element One
/// homeserver. Hashing the password takes a moment: call from a blocking context.
pub fn seed(
    store: &Store,
    homeservers: &Homeservers,
    new: &NewUser,
) -> Result<SeedOutcome, SandboxError> {
    if homeservers.hosted.is_empty() || homeservers.element_one.is_none() {
        return Err(SandboxError::Seed(
            "the config must list a [[homeservers]] entry and [element_one] (see docs/ems-sandbox.md)"
                .into(),
        ));
    }
    if store.user_for_sign_in(&new.email)?.is_some() {
        return Ok(SeedOutcome::AlreadySeeded);
    }
    let user = store.add_user(new)?;
    store
        .update_details(
            &user.id,
            &AccountDetails {
                name: user.name.clone(),
                email: user.email.clone(),
                company: Some(Company {
                    name: "Demo Organisation Ltd".into(),
                    number: Some("GB123456789".into()),
                    size: Some(CompanySize::UpTo50),
                }),
            },
        )
        .map_err(refused)?;
    store.set_billing_address(
        &user.id,
        &BillingAddress {
            line1: "1 Demo Street".into(),
            line2: None,
            city: "London".into(),
            region: None,
            postal_code: "EC1A 1AA".into(),
            country: "GB".into(),
        },
    )?;
    let (brand, last4) = crate::api::card_summary(DEMO_CARD)
        .ok_or_else(|| SandboxError::Seed("the demo card number is not valid".into()))?;
    store.set_payment_method(
        &user.id,
        &PaymentMethod {
            brand,
            last4,
            expiry_month: 12,
            expiry_year: 2099,
            holder_name: user.name.clone(),
        },
    )?;
    let kinds = [
        NewSubscription::HostedHomeserver(NewHostedHomeserver {
            seats: 10,
            admin_contact: None,
            server_name: None,
        }),
        NewSubscription::ElementOne(NewElementOne { username: None }),
        NewSubscription::OnPremise(NewOnPremise {
            seats: 25,
            web_client_domain: "element.demo.example.org".into(),
        }),
    ];
    let mut subscriptions = Vec::new();
    // A second hosted homeserver in the config (the local stack's next-generation one) gets a
    // subscription of its own.
    let second = homeservers.hosted.get(1).map(|hs| {
        NewSubscription::HostedHomeserver(NewHostedHomeserver {
            seats: 10,
            admin_contact: None,
            server_name: Some(hs.server_name.clone()),
        })
    });
    for kind in kinds.iter().chain(second.as_ref()) {
        subscriptions.push(
            store
                .create_subscription(&user.id, kind, homeservers)
                .map_err(refused)?,
        );
    }
    Ok(SeedOutcome::Seeded {
        user,
        subscriptions,
    })
}
