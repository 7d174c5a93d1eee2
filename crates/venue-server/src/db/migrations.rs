//! The schema, as migrations applied in order, each once (`migrate` in `db/mod.rs`). Portable SQL
//! for SQLite and PostgreSQL: `TEXT` and `BIGINT` columns, no booleans.

/// Schema migrations, applied in order, each once. Never edit a released one; add a new one.
pub(super) const MIGRATIONS: &[(i64, &str, &[&str])] = &[
    (
        1,
        "initial schema",
        &[
            "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE revisions (endpoint TEXT PRIMARY KEY, revision BIGINT NOT NULL)",
            "INSERT INTO revisions (endpoint, revision) VALUES ('event', 0), ('schedule', 0), ('messages', 0), ('draw', 0), ('game', 0)",
            // Whole documents: `event` (EventInfo) and `rounds` (the game's Round list).
            "CREATE TABLE documents (name TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE sessions (id TEXT PRIMARY KEY, start_unix BIGINT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE messages (id TEXT PRIMARY KEY, starts_unix BIGINT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE prizes (id TEXT PRIMARY KEY, draw_order BIGINT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE tickets (number BIGINT PRIMARY KEY, display_name TEXT NOT NULL, holder TEXT NOT NULL)",
            "CREATE TABLE teams (id TEXT PRIMARY KEY, position BIGINT NOT NULL, body TEXT NOT NULL)",
            // One decided result per batch and per round, even across server instances.
            "CREATE TABLE draw_results (idempotency_key TEXT PRIMARY KEY, prize_id TEXT NOT NULL, batch_number BIGINT NOT NULL,
            body TEXT NOT NULL, received_at TEXT NOT NULL, UNIQUE (prize_id, batch_number))",
            "CREATE TABLE game_results (idempotency_key TEXT PRIMARY KEY, game_id TEXT NOT NULL, round_index BIGINT NOT NULL,
            body TEXT NOT NULL, received_at TEXT NOT NULL, UNIQUE (game_id, round_index))",
        ],
    ),
    (
        2,
        "message expiry",
        &[
            // When a message ends, so that only live messages count against the limit and old ones are
            // pruned; rows from version 1 are filled in from their bodies at start-up (0 = not yet).
            "ALTER TABLE messages ADD COLUMN expires_unix BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX messages_by_expiry ON messages (expires_unix)",
        ],
    ),
    (
        3,
        "named tokens",
        &[
            // Named bearer tokens with a scope (kiosk, staff, admin); only their SHA-256 is kept.
            "CREATE TABLE tokens (hash TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, created_at TEXT NOT NULL)",
        ],
    ),
    (
        4,
        "screen heartbeats",
        &[
            // The last heartbeat of each screen, when the server received it, and the kiosk's clock skew.
            "CREATE TABLE screens (kiosk_id TEXT PRIMARY KEY, body TEXT NOT NULL, seen_unix_ms BIGINT NOT NULL, skew_ms BIGINT NOT NULL)",
        ],
    ),
    (
        5,
        "console",
        &[
            // Signed-in browsers: the SHA-256 of the session cookie, the form token, and when it ends.
            "CREATE TABLE console_sessions (id_hash TEXT PRIMARY KEY, csrf TEXT NOT NULL, expires_unix BIGINT NOT NULL)",
            // One-time sign-in links printed at start: used once, on whichever instance.
            "CREATE TABLE sign_in_links (code_hash TEXT PRIMARY KEY, expires_unix BIGINT NOT NULL)",
            // Screenshots asked for and received, one row per screen; binary as base64 (portable SQL).
            "CREATE TABLE screenshots (kiosk_id TEXT PRIMARY KEY, requested_unix_ms BIGINT NOT NULL,
            taken_unix_ms BIGINT NOT NULL, png_base64 TEXT NOT NULL)",
            // Prize photos uploaded in the console, by content hash.
            "CREATE TABLE images (id TEXT PRIMARY KEY, content_type TEXT NOT NULL, data_base64 TEXT NOT NULL)",
            // Uploads waiting for the organiser to look at their preview and apply them.
            "CREATE TABLE staged_imports (id TEXT PRIMARY KEY, created_unix BIGINT NOT NULL, body TEXT NOT NULL)",
        ],
    ),
    (
        6,
        "attendees",
        &[
            // Personal data only sealed (AES-256-GCM); the rest are keyed hashes and the masked name.
            "CREATE TABLE attendees (id TEXT PRIMARY KEY, holder TEXT NOT NULL UNIQUE, code_hash TEXT NOT NULL UNIQUE,
            badge_hash TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, sealed TEXT NOT NULL, position BIGINT NOT NULL)",
            // Booths and discussion tables (sessions come from the schedule, the entrance is built in).
            "CREATE TABLE places (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL)",
            // One check-in per attendee and place, whoever scans and however often.
            "CREATE TABLE checkins (attendee_id TEXT NOT NULL, place_id TEXT NOT NULL, kind TEXT NOT NULL,
            place_name TEXT NOT NULL, at_unix BIGINT NOT NULL, PRIMARY KEY (attendee_id, place_id))",
            // Each earned condition once per attendee: its tickets are granted exactly once.
            "CREATE TABLE grants (attendee_id TEXT NOT NULL, condition TEXT NOT NULL, first_ticket BIGINT NOT NULL,
            tickets BIGINT NOT NULL, at_unix BIGINT NOT NULL, PRIMARY KEY (attendee_id, condition))",
            "ALTER TABLE console_sessions ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin'",
        ],
    ),
    (
        7,
        "bets",
        &[
            // Betting on a round of the plan: open, closed (the round started) or settled (its result came).
            "CREATE TABLE bet_rounds (round_index BIGINT PRIMARY KEY, state TEXT NOT NULL, changed_unix BIGINT NOT NULL,
            game_id TEXT NOT NULL, winners TEXT NOT NULL)",
            // One bet per attendee and round, changeable while the round is open.
            "CREATE TABLE bets (attendee_id TEXT NOT NULL, round_index BIGINT NOT NULL, team_id TEXT NOT NULL,
            at_unix BIGINT NOT NULL, PRIMARY KEY (attendee_id, round_index))",
        ],
    ),
    (
        8,
        "casino endpoint",
        &["INSERT INTO revisions (endpoint, revision) VALUES ('casino', 0)"],
    ),
    (
        9,
        "casino matches",
        &[
            // Every match set up (kept for the record); the current one is the document `casino_match`.
            "CREATE TABLE casino_matches (match_id TEXT PRIMARY KEY, setup TEXT NOT NULL, created_unix BIGINT NOT NULL)",
            // Its accepted moves in order: each move id once per match, one move per place in the list,
            // so two instances can never store the same move twice or two moves at one position.
            "CREATE TABLE casino_moves (match_id TEXT NOT NULL, seq BIGINT NOT NULL, move_id TEXT NOT NULL, body TEXT NOT NULL,
            at_unix BIGINT NOT NULL, PRIMARY KEY (match_id, seq), UNIQUE (match_id, move_id))",
        ],
    ),
    (
        10,
        "draw winners as drawn",
        &[
            // Each winning ticket's masked name and holder at the moment its result was stored:
            // tickets uploaded later cannot change who won.
            "CREATE TABLE draw_winners (idempotency_key TEXT NOT NULL, position BIGINT NOT NULL, ticket BIGINT NOT NULL,
            display_name TEXT NOT NULL, holder TEXT NOT NULL, PRIMARY KEY (idempotency_key, position))",
        ],
    ),
    (
        11,
        "casino bets",
        &[
            // Betting on a dice match's winner: open, closed (its closing round began) or settled
            // (it ended; `winners` as ranked first). One row per match, so settling happens once.
            "CREATE TABLE casino_bet_matches (match_id TEXT PRIMARY KEY, state TEXT NOT NULL, close_round BIGINT NOT NULL,
            changed_unix BIGINT NOT NULL, winners TEXT NOT NULL)",
            // One bet per attendee and match, changeable while betting is open.
            "CREATE TABLE casino_bets (attendee_id TEXT NOT NULL, match_id TEXT NOT NULL, team_id TEXT NOT NULL,
            at_unix BIGINT NOT NULL, PRIMARY KEY (attendee_id, match_id))",
        ],
    ),
    (
        12,
        "draw commitments",
        &[
            // Each seed commitment a kiosk registered before a draw, once (the key holds across
            // instances): the server's random nonce for it and when it was registered.
            "CREATE TABLE draw_commitments (seed_commitment TEXT PRIMARY KEY, server_nonce TEXT NOT NULL,
            registered_at TEXT NOT NULL, prize_id TEXT)",
        ],
    ),
    (
        13,
        "ticket groups",
        &[
            // Contract 1.1 eligibility groups of a ticket, in normal form joined by `,` (a group
            // name never holds one); '' for none, so every ticket stored before reads as before.
            "ALTER TABLE tickets ADD COLUMN ticket_groups TEXT NOT NULL DEFAULT ''",
        ],
    ),
];
