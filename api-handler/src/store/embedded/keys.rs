//! Secrets kept in the data directory, generated on first start (mode 0600).

use std::fs;
use std::io::Write;
use std::path::Path;

use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rand_core::{OsRng, RngCore};

/// The signing key pair of access and ID tokens (ES256), as PEM.
pub(crate) struct SigningKeys {
    /// PKCS#8 private key.
    pub(crate) private_pem: String,
    /// SPKI public key.
    pub(crate) public_pem: String,
}

/// Loads `dir/signing-key.pem`, creating it on first start.
pub(crate) fn signing_keys(dir: &Path) -> Result<SigningKeys, String> {
    let path = dir.join("signing-key.pem");
    let private_pem = match fs::read_to_string(&path) {
        Ok(pem) => pem,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key = p256::SecretKey::random(&mut OsRng);
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|err| format!("cannot encode a new signing key: {err}"))?;
            write_secret(&path, pem.as_bytes())?;
            pem.to_string()
        }
        Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
    };
    let key = <p256::SecretKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_pem(&private_pem)
        .map_err(|err| format!("{} is not a P-256 PKCS#8 key: {err}", path.display()))?;
    let public_pem = key
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|err| format!("cannot encode the public key: {err}"))?;
    Ok(SigningKeys {
        private_pem,
        public_pem,
    })
}

/// Loads the 32-byte HMAC secret `dir/<name>`, creating it on first start.
pub(crate) fn secret(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    match fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => Ok(bytes),
        Ok(_) => Err(format!(
            "{} is shorter than 32 bytes: delete it to generate a new one",
            path.display()
        )),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = vec![0u8; 32];
            OsRng.fill_bytes(&mut bytes);
            write_secret(&path, &bytes)?;
            Ok(bytes)
        }
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
}

/// Creates `path` readable by its owner only, failing if it exists.
fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|err| format!("cannot create {}: {err}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|err| format!("cannot write {}: {err}", path.display()))
}
