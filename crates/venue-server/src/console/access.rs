//! Access: named tokens with a scope — `kiosk` (results and heartbeats, nothing else), `staff`
//! (check-ins), `admin` — issued (shown once) and revoked; one-time sign-in links for a phone; and
//! signing every browser out.

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::{get, post};

use super::form::Fields;
use super::session::{self, Signed, failure_page, require_form, require_page};
use super::view::{self, Flash};
use crate::AppState;
use crate::auth::{Scope, generate_token, token_hash};
use crate::error::Failure;
use crate::input;

const PAGE: &str = "/console/access";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(access_page))
        .route("/console/access/tokens", post(issue))
        .route("/console/access/tokens/{name}/revoke", post(revoke))
        .route("/console/access/link", post(new_link))
        .route("/console/access/sign-out-everywhere", post(sign_out_everywhere))
}

/// The page, with a freshly issued token or sign-in link shown once when there is one.
async fn render(state: &AppState, signed: &Signed, flash: Option<Flash>, shown: serde_json::Value) -> Response {
    match state.store.tokens().await {
        Ok(tokens) => {
            let tokens: Vec<serde_json::Value> = tokens
                .into_iter()
                .map(|(name, scope, created_at)| serde_json::json!({ "name": name, "scope": scope, "created_at": created_at }))
                .collect();
            view::page(
                "access.html",
                "access",
                Some(signed),
                flash,
                serde_json::json!({ "tokens": tokens, "shown": shown }),
            )
        }
        Err(failure) => failure_page(&failure),
    }
}

async fn access_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed = match require_page(&state, &headers).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let response = render(&state, &signed, view::take_flash(&headers), serde_json::Value::Null).await;
    view::clearing_flash(&state, response)
}

async fn issue(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let fields = Fields(fields);
    let signed = match require_form(&state, &headers, fields.csrf()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let name = fields.get("name").to_string();
    let issued = async {
        input::check_id("token name", &name)?;
        let scope = Scope::parse(fields.get("scope"))
            .ok_or_else(|| Failure::invalid_body(format!("scope `{}` is not one of kiosk, staff, admin", fields.get("scope"))))?;
        let token = generate_token();
        state.store.add_token(&name, scope.as_str(), &token_hash(&token)).await?;
        Ok::<_, Failure>((scope, token))
    }
    .await;
    match issued {
        // Shown in this answer only (never in a redirect, a cookie or the log).
        Ok((scope, token)) => {
            tracing::info!(token_name = %name, scope = scope.as_str(), "console: token issued");
            render(
                &state,
                &signed,
                Some(Flash::ok(format!("Token “{name}” issued. Copy it now: it is not shown again."))),
                serde_json::json!({ "kind": "token", "name": name, "scope": scope.as_str(), "value": token }),
            )
            .await
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    match state.store.revoke_token(&name).await {
        Ok(()) => {
            tracing::info!(token_name = %name, "console: token revoked");
            view::redirect_with(&state, PAGE, Flash::ok(format!("Token “{name}” revoked: refused from now on.")))
        }
        Err(failure) => view::redirect_with(&state, PAGE, Flash::error(failure.message)),
    }
}

async fn new_link(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let signed = match require_form(&state, &headers, Fields(fields).csrf()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let code = match session::issue_sign_in_link(&state.store).await {
        Ok(code) => code,
        Err(failure) => return failure_page(&failure),
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    let link = format!("{scheme}://{host}/console/link/{code}");
    render(
        &state,
        &signed,
        Some(Flash::ok(format!(
            "A one-time sign-in link, valid for {} minutes.",
            session::LINK_S / 60
        ))),
        serde_json::json!({ "kind": "link", "value": link }),
    )
    .await
}

async fn sign_out_everywhere(State(state): State<AppState>, headers: HeaderMap, Form(fields): Form<Vec<(String, String)>>) -> Response {
    if let Err(response) = require_form(&state, &headers, Fields(fields).csrf()).await {
        return response;
    }
    match state.store.end_all_console_sessions().await {
        Ok(()) => {
            tracing::info!("console: every browser signed out");
            view::redirect_with(&state, "/console/sign-in", Flash::ok("Every browser is signed out, this one too."))
        }
        Err(failure) => failure_page(&failure),
    }
}
