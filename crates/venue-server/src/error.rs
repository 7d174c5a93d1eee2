//! The server's error answers: every non-2xx answer except `304` and a result `409` is an
//! [`ApiError`] body with a machine-readable code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use venue_contract::wire::{ApiError, CONTRACT_VERSION};

/// An error answer: status, contract error code and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "missing or invalid bearer token")
    }

    /// A valid token whose scope does not cover the request.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn malformed_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_json", message)
    }

    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_body", message)
    }

    /// A result that cannot join the record (a replacement of nobody, more winners than the prize
    /// has). `400`, not `409`: a `409` carries the stored result a kiosk adopts.
    pub fn refused_result(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "refused_result", message)
    }

    /// A draw result whose seed commitment this server never registered (`POST
    /// /api/v1/draw/commitments`) before the result came: nothing proves it was fixed before the
    /// draw. `400` (a `409` carries a stored result).
    pub fn unregistered_commitment(commitment: &str) -> Self {
        let shown: String = commitment.chars().take(16).collect();
        Self::new(
            StatusCode::BAD_REQUEST,
            "unregistered_commitment",
            format!("the seed commitment {shown}… was never registered with this server before the draw (POST /api/v1/draw/commitments)"),
        )
    }

    /// An anchored draw result that does not fit the registration: another nonce, or a seed that
    /// does not hash to the commitment.
    pub fn invalid_anchor(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_anchor", message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "already_exists", message)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than this endpoint's limit of {limit} bytes"),
        )
    }

    /// A database or other server-side failure; the details go to the log, not to the client.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!("request failed: {error}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to handle the request",
        )
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for Failure {}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Failure::internal(format!("database: {error}"))
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = ApiError {
            version: CONTRACT_VERSION,
            error: self.code.to_string(),
            message: self.message,
        };
        json_response(self.status, &body)
    }
}

/// A JSON answer with the contract's content type.
pub fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).expect("server types serialize to JSON");
    json_bytes_response(status, bytes)
}

/// A JSON answer from already serialized bytes.
pub fn json_bytes_response(status: StatusCode, bytes: impl Into<axum::body::Body>) -> Response {
    let mut response = (status, bytes.into()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The error code of an answer that axum wrote itself (an extractor's rejection), by its status.
fn rejection_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "invalid_request",
    }
}

/// Middleware: under `/api/`, an error answer that is not JSON (axum's plain-text rejections of a bad
/// path parameter, query or header) becomes the contract's [`ApiError`] with the same status; the
/// rejection's text is its message.
pub async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    // Rejection texts are short; anything longer is cut, never buffered whole.
    let text = match axum::body::to_bytes(response.into_body(), 4096).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    Failure::new(status, rejection_code(status), message).into_response()
}
