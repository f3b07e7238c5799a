//! Local identity: argon2id password hashes, ES256 tokens, rotating refresh
//! tokens, and password resets whose 6-digit codes go through the local mail
//! sink (`super::mail`).
//!
//! Accounts are confirmed at creation; the profile is another port
//! (`super::profiles`).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand_core::{OsRng, RngCore};
use route_framework::auth::{Authenticator, JwtAuthenticator, User, low_s_token};
use route_framework::error::ApiError;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::LazyLock;

use tokio::sync::Semaphore;

use super::db::{CachedQuery, Db, db_error, ts};
use super::keys::SigningKeys;
use super::mail::MailSink;
use crate::domain::identity::{Tokens, normalize_email};
use crate::domain::{new_id, stats};
use crate::store::ports::{Account, Identity, IdentityError, Session, StoreError, StoreResult};

/// `iss` of every embedded token.
pub const ISSUER: &str = "urn:lifestyle-api:embedded";
/// `aud` of every embedded token (the app client).
pub const AUDIENCE: &str = "lifestyle-app";
/// Access and ID token lifetime.
pub const ACCESS_TOKEN_SECONDS: u64 = 3600;
/// Refresh token lifetime.
const REFRESH_TOKEN_DAYS: i64 = 30;
/// How long a password reset code works.
pub const RESET_CODE_MINUTES: i64 = 15;
/// Wrong codes after which a reset must be asked for again.
pub const RESET_CODE_TRIES: i64 = 5;

/// The embedded identity provider: accounts, passwords and tokens.
pub struct EmbeddedIdentity {
    db: Db,
    signing_key: EncodingKey,
    verifier: JwtAuthenticator,
    /// A real hash of a random password, verified for unknown emails so that
    /// both failures take the same time.
    dummy_hash: String,
    /// Where reset codes are mailed.
    mail: MailSink,
}

impl EmbeddedIdentity {
    pub(crate) fn new(db: Db, keys: &SigningKeys, mail: MailSink) -> Result<Self, String> {
        let signing_key =
            EncodingKey::from_ec_pem(keys.private_pem.as_bytes()).map_err(|e| format!("signing key: {e}"))?;
        let verifier = JwtAuthenticator::from_pem(Algorithm::ES256, keys.public_pem.as_bytes(), ISSUER, AUDIENCE)
            .map_err(|e| format!("verification key: {e}"))?
            .require_token_use("access");
        let dummy_hash = hash_password(&URL_SAFE_NO_PAD.encode(random_bytes()))?;
        Ok(EmbeddedIdentity {
            db,
            signing_key,
            verifier,
            dummy_hash,
            mail,
        })
    }

    /// Sets `user_id`'s password to `password`, ends any pending reset and
    /// revokes every refresh token of the account.
    async fn set_password(&self, user_id: &str, password: &str) -> Result<(), IdentityError> {
        let password = password.to_owned();
        let hash = cpu(move || hash_password(&password))
            .await?
            .map_err(StoreError::Internal)?;
        let owner = user_id.to_owned();
        self.db
            .write(move |tx| {
                tx.execute(
                    "UPDATE users SET password_hash = ?2 WHERE user_id = ?1",
                    params![owner, hash],
                )
                .map_err(db_error)?;
                for table in ["password_resets", "refresh_tokens"] {
                    tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [&owner])
                        .map_err(db_error)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Signs access and ID tokens for a user and pairs them with `refresh_token`.
    fn tokens(&self, user_id: &str, email: &str, refresh_token: String) -> StoreResult<Tokens> {
        let now = Utc::now().timestamp();
        let exp = now + ACCESS_TOKEN_SECONDS as i64;
        let access = serde_json::json!({
            "sub": user_id, "email": email, "scope": "", "token_use": "access",
            "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": exp, "jti": new_id(),
        });
        let id = serde_json::json!({
            "sub": user_id, "email": email, "email_verified": true, "token_use": "id",
            "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": exp,
        });
        let sign = |claims: &serde_json::Value| {
            jsonwebtoken::encode(&Header::new(Algorithm::ES256), claims, &self.signing_key)
                .map(low_s_token)
                .map_err(|err| StoreError::Internal(format!("cannot sign a token: {err}")))
        };
        Ok(Tokens {
            access_token: sign(&access)?,
            id_token: sign(&id)?,
            refresh_token,
            expires_in: ACCESS_TOKEN_SECONDS,
            token_type: "Bearer",
        })
    }
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| format!("cannot hash a password: {err}"))
}

/// Whether `secret` matches the argon2 `hash` (CPU-heavy: off the async threads).
async fn verify_hash(hash: String, secret: String) -> StoreResult<bool> {
    cpu(move || {
        PasswordHash::new(&hash).is_ok_and(|hash| Argon2::default().verify_password(secret.as_bytes(), &hash).is_ok())
    })
    .await
}

/// A uniformly drawn 6-digit code.
fn reset_code() -> String {
    // 4,294,000,000 is the largest multiple of a million below 2^32: drawing
    // again above it keeps every code equally likely.
    loop {
        let draw = OsRng.next_u32();
        if draw < 4_294_000_000 {
            return format!("{:06}", draw % 1_000_000);
        }
    }
}

fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// How many password hashes run at once: one per core. Each holds
/// argon2's 19 MiB (its default parameters) while it runs, and tokio's
/// blocking pool runs as many as it is handed (up to 512 threads), so
/// without a limit a burst of sign-ins held a block per request and the
/// process kept it (the soak measured 706 MB resident after 50 users signed
/// in at once). Past the cores, more at once are no faster anyway.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, NonZeroUsize::get)));

/// Runs CPU-heavy work (password hashing) off the async threads, at most
/// [`HASHING`]'s permits at once.
async fn cpu<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> StoreResult<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|err| StoreError::Internal(format!("password hashing is closed: {err}")))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|err| StoreError::Internal(format!("password task failed: {err}")))
}

/// Stores a new refresh token of `family` for `user_id`; returns the token.
fn insert_refresh_token(
    tx: &rusqlite::Transaction<'_>,
    user_id: &str,
    family: &str,
    now: DateTime<Utc>,
) -> StoreResult<String> {
    let token = URL_SAFE_NO_PAD.encode(random_bytes());
    tx.execute(
        "INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            token_hash(&token),
            user_id,
            family,
            ts(now + Duration::days(REFRESH_TOKEN_DAYS))
        ],
    )
    .map_err(db_error)?;
    Ok(token)
}

#[async_trait]
impl Identity for EmbeddedIdentity {
    async fn create_account(&self, email: &str, password: &str) -> Result<Account, IdentityError> {
        let email = normalize_email(email);
        let password = password.to_owned();
        let hash = cpu(move || hash_password(&password))
            .await?
            .map_err(StoreError::Internal)?;
        let user_id = new_id();
        let account = Account {
            user_id: user_id.clone(),
            confirmed: true,
        };
        let now = stats::millis(Utc::now());
        let inserted = self
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO users (user_id, email, password_hash, confirmed, created_at)
                     VALUES (?1, ?2, ?3, 1, ?4) ON CONFLICT (email) DO NOTHING",
                    params![user_id, email, hash, ts(now)],
                )
                .map_err(db_error)
            })
            .await?;
        if inserted == 0 {
            return Err(IdentityError::EmailTaken);
        }
        Ok(account)
    }

    async fn delete_account(&self, user_id: &str) -> Result<(), IdentityError> {
        let user_id = user_id.to_owned();
        self.db
            .write(move |tx| {
                tx.execute("DELETE FROM users WHERE user_id = ?1", [user_id])
                    .map_err(db_error)
            })
            .await?;
        Ok(())
    }

    async fn confirm(&self, email: &str, _code: &str) -> Result<(), IdentityError> {
        // Embedded accounts are confirmed at creation: confirming one is a
        // no-op, and an unknown email gets the same answer as a wrong code.
        let email = normalize_email(email);
        let confirmed = self
            .db
            .read(move |tx| {
                tx.query_row_cached("SELECT confirmed FROM users WHERE email = ?1", [email], |row| {
                    row.get::<_, bool>(0)
                })
                .optional()
                .map_err(db_error)
            })
            .await?;
        match confirmed {
            Some(true) => Ok(()),
            _ => Err(IdentityError::InvalidCode),
        }
    }

    async fn login(&self, email: &str, password: &str, _client: Option<IpAddr>) -> Result<Session, IdentityError> {
        let email = normalize_email(email);
        let lookup = email.clone();
        let row = self
            .db
            .read(move |tx| {
                tx.query_row_cached(
                    "SELECT user_id, password_hash, confirmed FROM users WHERE email = ?1",
                    [lookup],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, bool>(2)?,
                        ))
                    },
                )
                .optional()
                .map_err(db_error)
            })
            .await?;
        let stored = row
            .as_ref()
            .map(|(_, hash, _)| hash.clone())
            .unwrap_or_else(|| self.dummy_hash.clone());
        let verified = verify_hash(stored, password.to_owned()).await?;
        let Some((user_id, _, confirmed)) = row.filter(|_| verified) else {
            return Err(IdentityError::InvalidCredentials);
        };
        if !confirmed {
            return Err(IdentityError::NotConfirmed);
        }
        let owner = user_id.clone();
        let refresh = self
            .db
            .write(move |tx| insert_refresh_token(tx, &owner, &new_id(), Utc::now()))
            .await?;
        let tokens = self.tokens(&user_id, &email, refresh)?;
        Ok(Session { user_id, email, tokens })
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Session, IdentityError> {
        let hash = token_hash(refresh_token);
        let (user_id, email, token) = self
            .db
            .write(move |tx| {
                let now = Utc::now();
                let row = tx
                    .query_row_cached(
                        "SELECT t.user_id, t.family, t.expires_at, t.used_at, u.email
                         FROM refresh_tokens t JOIN users u ON u.user_id = t.user_id WHERE t.token_hash = ?1",
                        [&hash],
                        |row| {
                            Ok((
                                row.get::<_, String>(0)?,
                                row.get::<_, String>(1)?,
                                row.get::<_, String>(2)?,
                                row.get::<_, Option<String>>(3)?,
                                row.get::<_, String>(4)?,
                            ))
                        },
                    )
                    .optional()
                    .map_err(db_error)?;
                let Some((user_id, family, expires_at, used_at, email)) = row else {
                    return Ok(None);
                };
                if used_at.is_some() {
                    // A rotated token came back: it leaked. Revoke the family.
                    tracing::warn!(user_id, "refresh token reuse detected; revoking its family");
                    tx.execute("DELETE FROM refresh_tokens WHERE family = ?1", [&family])
                        .map_err(db_error)?;
                    return Ok(None);
                }
                let expired = DateTime::parse_from_rfc3339(&expires_at)
                    .map(|t| t < now)
                    .unwrap_or(true);
                if expired {
                    return Ok(None);
                }
                tx.execute(
                    "UPDATE refresh_tokens SET used_at = ?1 WHERE token_hash = ?2",
                    params![ts(now), hash],
                )
                .map_err(db_error)?;
                let token = insert_refresh_token(tx, &user_id, &family, now)?;
                Ok(Some((user_id, email, token)))
            })
            .await?
            .ok_or(IdentityError::InvalidRefreshToken)?;
        let tokens = self.tokens(&user_id, &email, token)?;
        Ok(Session { user_id, email, tokens })
    }

    async fn forgot_password(&self, email: &str) -> Result<(), IdentityError> {
        let email = normalize_email(email);
        let lookup = email.clone();
        let user_id = self
            .db
            .read(move |tx| {
                tx.query_row_cached("SELECT user_id FROM users WHERE email = ?1", [lookup], |row| {
                    row.get::<_, String>(0)
                })
                .optional()
                .map_err(db_error)
            })
            .await?;
        // The code is hashed whether or not the email has an account, so
        // both answers take about the same time.
        let code = reset_code();
        let secret = code.clone();
        let code_hash = cpu(move || hash_password(&secret))
            .await?
            .map_err(StoreError::Internal)?;
        let Some(user_id) = user_id else {
            return Ok(());
        };
        let expires = Utc::now() + Duration::minutes(RESET_CODE_MINUTES);
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO password_resets (user_id, code_hash, expires_at, tries) VALUES (?1, ?2, ?3, 0)
                     ON CONFLICT (user_id) DO UPDATE SET code_hash = ?2, expires_at = ?3, tries = 0",
                    params![user_id, code_hash, ts(expires)],
                )
                .map_err(db_error)
            })
            .await?;
        let body = format!(
            "Someone asked to reset the password of this account.\n\n\
             Your code: {code}\n\n\
             It works for {RESET_CODE_MINUTES} minutes. If you did not ask, ignore this mail: your password \
             stays as it is.\n"
        );
        let mail = self.mail.clone();
        cpu(move || mail.send(&email, "Your password reset code", body)).await??;
        Ok(())
    }

    async fn reset_password(&self, email: &str, code: &str, new_password: &str) -> Result<String, IdentityError> {
        let email = normalize_email(email);
        let pending = self
            .db
            .read(move |tx| {
                tx.query_row_cached(
                    "SELECT r.user_id, r.code_hash, r.expires_at, r.tries
                     FROM password_resets r JOIN users u ON u.user_id = r.user_id WHERE u.email = ?1",
                    [email],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, DateTime<Utc>>(2)?,
                            row.get::<_, i64>(3)?,
                        ))
                    },
                )
                .optional()
                .map_err(db_error)
            })
            .await?;
        let usable = pending.filter(|(_, _, expires_at, tries)| *expires_at > Utc::now() && *tries < RESET_CODE_TRIES);
        let stored = usable
            .as_ref()
            .map_or_else(|| self.dummy_hash.clone(), |(_, hash, _, _)| hash.clone());
        let matched = verify_hash(stored, code.trim().to_owned()).await?;
        let Some((user_id, _, _, _)) = usable else {
            return Err(IdentityError::InvalidCode);
        };
        if !matched {
            let owner = user_id.clone();
            self.db
                .write(move |tx| {
                    tx.execute(
                        "UPDATE password_resets SET tries = tries + 1 WHERE user_id = ?1",
                        [&owner],
                    )
                    .map_err(db_error)?;
                    tx.execute(
                        "DELETE FROM password_resets WHERE user_id = ?1 AND tries >= ?2",
                        params![owner, RESET_CODE_TRIES],
                    )
                    .map_err(db_error)
                })
                .await?;
            return Err(IdentityError::InvalidCode);
        }
        self.set_password(&user_id, new_password).await?;
        Ok(user_id)
    }

    async fn change_password(
        &self,
        user_id: &str,
        _access_token: &str,
        current: &str,
        new_password: &str,
    ) -> Result<(), IdentityError> {
        let owner = user_id.to_owned();
        let stored = self
            .db
            .read(move |tx| {
                tx.query_row_cached("SELECT password_hash FROM users WHERE user_id = ?1", [owner], |row| {
                    row.get::<_, String>(0)
                })
                .optional()
                .map_err(db_error)
            })
            .await?;
        let verified = verify_hash(stored.unwrap_or_else(|| self.dummy_hash.clone()), current.to_owned()).await?;
        if !verified {
            return Err(IdentityError::InvalidCredentials);
        }
        self.set_password(user_id, new_password).await
    }

    async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<(), IdentityError> {
        let hash = token_hash(refresh_token);
        // The whole family goes: the session, whichever rotation was sent.
        self.db
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM refresh_tokens WHERE family IN (SELECT family FROM refresh_tokens WHERE token_hash = ?1)",
                    [hash],
                )
                .map_err(db_error)
            })
            .await?;
        Ok(())
    }

    async fn sign_out_everywhere(&self, user_id: &str, _email: &str) -> Result<(), IdentityError> {
        let owner = user_id.to_owned();
        self.db
            .write(move |tx| {
                tx.execute("DELETE FROM refresh_tokens WHERE user_id = ?1", [owner])
                    .map_err(db_error)
            })
            .await?;
        Ok(())
    }
}

#[async_trait]
impl Authenticator for EmbeddedIdentity {
    async fn verify(&self, token: &str) -> Result<User, ApiError> {
        self.verifier.verify_now(token)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A burst of hashing work never runs more at once than there are permits.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn password_hashing_runs_at_most_one_per_core() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(super::cpu(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let permits = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=permits).contains(&most),
            "{most} hashes at once, {permits} permits"
        );
    }

    #[tokio::test]
    async fn refresh_tokens_are_stored_as_hashes_only() {
        let dir = tempfile::TempDir::new().unwrap();
        let backend = crate::store::embedded::open(dir.path(), "http://127.0.0.1:1").unwrap();
        backend
            .identity
            .create_account("h@example.com", "Passw0rd-1")
            .await
            .unwrap();
        let token = backend
            .identity
            .login("h@example.com", "Passw0rd-1", None)
            .await
            .unwrap()
            .tokens
            .refresh_token;
        let conn = rusqlite::Connection::open(dir.path().join("app.db")).unwrap();
        let stored: Vec<String> = conn
            .prepare("SELECT token_hash FROM refresh_tokens")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(stored, [super::token_hash(&token)]);
        assert!(!stored.contains(&token));
    }
}
