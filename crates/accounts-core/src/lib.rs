//! The domain of Element Accounts, with no Tauri in it.
//!
//! Everything a user's accounts depend on lives here so that it can be tested without a
//! webview: [`Accounts`] (what the shell holds), the EMS and Matrix accounts, the Element One
//! bridge, the vault, the loopback listener, the opener and the transport rules. The desktop
//! shell in `src-tauri` wires these into commands and leaves the logic here
//! (`docs/architecture.md`).

/// `Debug` for a type that holds secrets or live handles: its name and the fields named here
/// only, so that nothing else can reach a log through `{:?}`.
macro_rules! debug_fields {
    ($type:ident $(, $field:ident)* $(,)?) => {
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use debug_fields;

pub mod accounts;
pub mod bridge;
pub mod browser;
pub mod ems;
mod error_code;
pub mod files;
pub mod flow;
pub mod launch;
pub mod loopback;
pub mod matrix;
pub mod seats;
pub mod transport;
pub mod vault;

pub use accounts::{AccountError, Accounts};
pub use error_code::ErrorCode;
