//! The local mail sink: the embedded backend "sends" a mail by writing it,
//! as one RFC 5322 message file, to the data directory's `mail/` (like
//! Django's file e-mail backend); `lettre` builds and writes the message.

use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{FileTransport, Message, Transport};

use crate::store::ports::{StoreError, StoreResult};

/// Who the local mails come from.
const FROM: &str = "Lifestyle app <no-reply@localhost>";

/// Writes each mail to a `.eml` file in one directory.
#[derive(Clone)]
pub(crate) struct MailSink {
    dir: PathBuf,
}

impl MailSink {
    /// A sink writing into `dir`, which must exist.
    pub(crate) fn new(dir: &Path) -> MailSink {
        MailSink { dir: dir.to_owned() }
    }

    /// Writes a plain-text mail to `to` (blocking: call it off the async
    /// threads); returns the file's path.
    pub(crate) fn send(&self, to: &str, subject: &str, body: String) -> StoreResult<PathBuf> {
        let mail_error = |what: &str, err: &dyn std::fmt::Display| StoreError::Internal(format!("{what}: {err}"));
        let from: Mailbox = FROM.parse().map_err(|err| mail_error("the sender", &err))?;
        let to: Mailbox = to.parse().map_err(|err| mail_error("the recipient", &err))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|err| mail_error("cannot build a mail", &err))?;
        let id = FileTransport::new(&self.dir)
            .send(&message)
            .map_err(|err| mail_error("cannot write a mail", &err))?;
        Ok(self.dir.join(format!("{id}.eml")))
    }
}

#[cfg(test)]
mod tests {
    use super::MailSink;

    #[test]
    fn a_mail_is_one_rfc_5322_file() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = MailSink::new(dir.path())
            .send("ada@example.com", "Your code", "Code: 123456\n".to_owned())
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for header in [
            "From: ",
            "To: ada@example.com",
            "Subject: Your code",
            "Date: ",
            "Message-ID: ",
        ] {
            assert!(text.contains(header), "{header} in {text}");
        }
        assert!(text.contains("\r\n\r\nCode: 123456"), "{text}");
    }
}
