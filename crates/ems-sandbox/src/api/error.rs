//! How the control-panel API fails: a refusal carrying an RFC 9457 [`Problem`], or a server
//! failure that is logged and answered as a bare `server_error` problem.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ems_api::{Problem, ProblemCode, PROBLEM_CONTENT_TYPE};

use crate::SandboxError;

/// Why a control-panel request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The request was refused; the problem says why and carries the stable code.
    #[error("{}", .0.detail)]
    Refused(Box<Problem>),
    /// The server failed (the database); the details are logged, never sent.
    #[error("the server could not complete the request: {0}")]
    Server(#[from] SandboxError),
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        Self::Refused(Box::new(problem))
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Server(e.into())
    }
}

/// A refusal with code `code` naming `field`.
pub(crate) fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    Problem::new(ProblemCode::InvalidField, detail)
        .with_field(field)
        .into()
}

/// The problem+json answer for `problem`.
pub(crate) fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    match problem.code {
        ProblemCode::MissingToken => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ems-sandbox\""),
            );
        }
        ProblemCode::InvalidToken => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ems-sandbox\", error=\"invalid_token\""),
            );
        }
        ProblemCode::InsufficientScope => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer realm=\"ems-sandbox\", error=\"insufficient_scope\"",
                ),
            );
        }
        _ => {}
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Refused(problem) => problem_response(&problem),
            Self::Server(e) => {
                log::error!("control-panel request failed: {e}");
                problem_response(&Problem::new(
                    ProblemCode::ServerError,
                    "the server could not complete the request; try again",
                ))
            }
        }
    }
}
