//! Attachments: registered, uploaded through the presigned URL (repeated
//! until answered), listed and downloaded, every byte compared; a
//! registration of unknown outcome resolved by listing for its file name.

use std::collections::BTreeMap;

use http::Method;
use serde_json::{Value, json};

use super::client::{Body, Request};
use super::exchange::Failure;
use super::findings::Invariant;
use super::model::AttachmentModel;
use super::user::User;

/// Attachment content types.
const CONTENT_TYPES: [&str; 4] = ["text/plain", "image/png", "image/jpeg", "application/pdf"];

impl User {
    /// An attachment: registered, uploaded through its presigned URL (most
    /// of the time), then listed and downloaded. An unknown registration is
    /// resolved by listing the goal's attachments for its file name; an
    /// upload is repeated until answered (the same bytes again).
    pub(super) async fn attachment(&mut self) {
        let Some(goal) = self.pick_goal() else {
            return;
        };
        let file_name = format!("{}.bin", self.marker('a'));
        let content_type = self.rng.choice(CONTENT_TYPES).unwrap_or("text/plain").to_owned();
        let size = self.rng.u64(1..=16_384);
        let route = "POST /goals/{goalId}/attachments";
        let body = json!({ "fileName": file_name, "contentType": content_type, "size": size });
        let request = Request::new(route, Method::POST, format!("/goals/{goal}/attachments")).json(body);
        let ticket = match self.authed(request).await {
            Ok(reply) => {
                if !self.expect(&reply, &[201], route) {
                    self.model.attachments_not_made.insert((goal.clone(), file_name));
                    return;
                }
                reply.json()
            }
            Err(Failure::NotSent(_)) => {
                self.model.attachments_not_made.insert((goal.clone(), file_name));
                self.pause().await;
                return;
            }
            Err(Failure::Unknown(_)) => {
                self.resolve_attachment(&goal, &file_name, &content_type, size).await;
                return;
            }
        };
        let Some(attachment_id) = ticket["attachmentId"].as_str().map(str::to_owned) else {
            self.findings().broke(
                Invariant::ExpectedStatus,
                format!("{route}: a 201 without an id: {ticket}"),
            );
            return;
        };
        let ok = ticket["fileName"] == file_name.as_str()
            && ticket["contentType"] == content_type.as_str()
            && ticket["size"].as_u64() == Some(size)
            && ticket["uploadMethod"] == "PUT";
        self.findings()
            .check(Invariant::Acknowledged, ok, || format!("{route} answered {ticket}"));
        let model = AttachmentModel {
            file_name,
            content_type: content_type.clone(),
            size,
            bytes: None,
        };
        if let Some(record) = self.model.goals.get_mut(&goal) {
            record.attachments.insert(attachment_id.clone(), model);
        }
        if self.rng.u32(0..100) < 85 {
            let mut bytes = vec![0u8; usize::try_from(size).unwrap_or(1)];
            self.rng.fill(&mut bytes);
            self.upload(&goal, &attachment_id, &ticket, bytes).await;
        }
        if self.rng.bool() {
            self.verify_attachments(&goal).await;
        }
    }

    /// Uploads `bytes` with the ticket's method, URL and headers, until
    /// answered.
    async fn upload(&mut self, goal: &str, attachment_id: &str, ticket: &Value, bytes: Vec<u8>) {
        let Some((mut storage, target)) = ticket["uploadUrl"].as_str().and_then(|url| self.client.for_url(url)) else {
            self.findings().broke(
                Invariant::ExpectedStatus,
                format!("an upload ticket without a URL: {ticket}"),
            );
            return;
        };
        let mut request = Request::new("PUT upload URL", Method::PUT, target);
        let mut content_type = ticket["contentType"].as_str().unwrap_or_default().to_owned();
        if let Some(headers) = ticket["uploadHeaders"].as_object() {
            for (name, value) in headers {
                let value = value.as_str().unwrap_or_default();
                if name.eq_ignore_ascii_case("content-type") {
                    value.clone_into(&mut content_type);
                } else {
                    request = request.header(name, value);
                }
            }
        }
        request.body = Body::Raw(bytes.clone().into(), content_type);
        let reply = loop {
            if self.given_up() {
                self.unresolved(&format!("the upload of attachment {attachment_id}"));
                return;
            }
            match storage.send(&request).await {
                Ok(reply) => break reply,
                Err(_) => self.pause().await,
            }
        };
        if self.expect(&reply, &[200], "PUT upload URL")
            && let Some(record) = self
                .model
                .goals
                .get_mut(goal)
                .and_then(|goal| goal.attachments.get_mut(attachment_id))
        {
            record.bytes = Some(bytes);
        }
    }

    /// Deletes one of a live goal's acknowledged attachments (204); a
    /// deletion of unknown outcome is resolved by listing the goal's
    /// attachments.
    pub(super) async fn delete_attachment(&mut self) {
        let candidates: Vec<(String, String)> = self
            .model
            .live_goals()
            .flat_map(|goal| goal.attachments.keys().map(|id| (goal.id.clone(), id.clone())))
            .collect();
        let Some((goal, id)) = self.rng.choice(candidates) else {
            self.attachment().await;
            return;
        };
        let route = "DELETE /goals/{goalId}/attachments/{attachmentId}";
        let target = format!("/goals/{goal}/attachments/{id}");
        let applied = match self.authed(Request::new(route, Method::DELETE, target)).await {
            Ok(reply) => self.expect(&reply, &[204], route),
            Err(Failure::NotSent(_)) => false,
            Err(Failure::Unknown(_)) => {
                let listing = format!("/goals/{goal}/attachments");
                let listed = "GET /goals/{goalId}/attachments";
                let Some(reply) = self
                    .answered(|| Request::new(listed, Method::GET, listing.clone()))
                    .await
                else {
                    self.unresolved(&format!("the deletion of attachment {id}"));
                    return;
                };
                if !self.expect(&reply, &[200], listed) {
                    return;
                }
                let still = reply.json()["items"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|item| item["attachmentId"] == id.as_str()));
                self.model.resolutions.count("attachment deletion", !still);
                self.findings().held(Invariant::UnknownAllOrNothing, 1);
                !still
            }
        };
        if applied {
            if let Some(record) = self.model.goals.get_mut(&goal) {
                record.attachments.remove(&id);
            }
            self.model.attachments_deleted.insert(id);
        }
    }

    /// Lists the goal's attachments after a registration of unknown outcome.
    async fn resolve_attachment(&mut self, goal: &str, file_name: &str, content_type: &str, size: u64) {
        let route = "GET /goals/{goalId}/attachments";
        let Some(reply) = self
            .answered(|| Request::new(route, Method::GET, format!("/goals/{goal}/attachments")))
            .await
        else {
            self.unresolved(&format!("the attachment {file_name}"));
            return;
        };
        if !self.expect(&reply, &[200], route) {
            return;
        }
        let listing = reply.json();
        let items = listing["items"].as_array().cloned().unwrap_or_default();
        let found: Vec<&Value> = items.iter().filter(|item| item["fileName"] == file_name).collect();
        match found.as_slice() {
            [] => {
                self.model.resolutions.count("attachment registration", false);
                self.findings().held(Invariant::UnknownAllOrNothing, 1);
                self.model
                    .attachments_not_made
                    .insert((goal.to_owned(), file_name.to_owned()));
            }
            [item, rest @ ..] => {
                self.model.resolutions.count("attachment registration", true);
                let whole =
                    rest.is_empty() && item["size"].as_u64() == Some(size) && item["contentType"] == content_type;
                self.findings().check(Invariant::UnknownAllOrNothing, whole, || {
                    format!("the attachment {file_name} of unknown outcome is listed as {found:?}")
                });
                if let (Some(id), Some(record)) = (item["attachmentId"].as_str(), self.model.goals.get_mut(goal)) {
                    record.attachments.insert(
                        id.to_owned(),
                        AttachmentModel {
                            file_name: file_name.to_owned(),
                            content_type: content_type.to_owned(),
                            size,
                            bytes: None,
                        },
                    );
                }
            }
        }
    }

    /// `GET /goals/{goalId}/attachments`, and each download: every
    /// acknowledged attachment listed, its uploaded bytes back unchanged,
    /// and 404 for one never uploaded.
    pub(super) async fn verify_attachments(&mut self, goal_id: &str) {
        let Some(goal) = self.model.goals.get(goal_id).cloned() else {
            return;
        };
        let route = "GET /goals/{goalId}/attachments";
        let Some(reply) = self
            .answered(|| Request::new(route, Method::GET, format!("/goals/{goal_id}/attachments")))
            .await
        else {
            return;
        };
        if !self.expect(&reply, &[200], route) {
            return;
        }
        let listing = reply.json();
        let items = listing["items"].as_array().cloned().unwrap_or_default();
        let listed: BTreeMap<String, &Value> = items
            .iter()
            .filter_map(|item| Some((item["attachmentId"].as_str()?.to_owned(), item)))
            .collect();
        for (id, item) in &listed {
            if self.model.attachments_deleted.contains(id) {
                self.findings().broke(
                    Invariant::Acknowledged,
                    format!("attachment {id} of goal {goal_id} is listed after its deletion was acknowledged"),
                );
                continue;
            }
            if !goal.attachments.contains_key(id) {
                let name = item["fileName"].as_str().unwrap_or_default();
                let made = (goal_id.to_owned(), name.to_owned());
                let example = if self.model.attachments_not_made.contains(&made) {
                    format!("attachment {id} ({name}) exists though its creation was answered with an error")
                } else {
                    format!("attachment {id} of goal {goal_id} was made by no request of the user: {item}")
                };
                self.findings().broke(Invariant::ErrorsNotApplied, example);
            }
        }
        let absent = self
            .model
            .attachments_not_made
            .iter()
            .filter(|(of, name)| of == goal_id && !items.iter().any(|item| item["fileName"] == name.as_str()))
            .count();
        self.findings().held(Invariant::ErrorsNotApplied, absent as u64);
        for (id, attachment) in &goal.attachments {
            let Some(item) = listed.get(id) else {
                self.findings().broke(
                    Invariant::Acknowledged,
                    format!(
                        "attachment {id} ({}) of goal {goal_id} is not listed",
                        attachment.file_name
                    ),
                );
                continue;
            };
            let same = item["fileName"] == attachment.file_name.as_str()
                && item["contentType"] == attachment.content_type.as_str()
                && item["size"].as_u64() == Some(attachment.size);
            self.findings().check(Invariant::Acknowledged, same, || {
                format!("attachment {id} listed as {item}")
            });
            let Some((mut storage, target)) = item["downloadUrl"].as_str().and_then(|url| self.client.for_url(url))
            else {
                self.findings().broke(
                    Invariant::ExpectedStatus,
                    format!("attachment {id} has no download URL: {item}"),
                );
                continue;
            };
            let request = Request::new("GET download URL", Method::GET, target);
            let reply = loop {
                if self.given_up() {
                    self.gave_up += 1;
                    return;
                }
                match storage.send(&request).await {
                    Ok(reply) => break reply,
                    Err(_) => self.pause().await,
                }
            };
            match &attachment.bytes {
                Some(bytes) => {
                    if self.expect(&reply, &[200], "GET download URL") {
                        let difference = first_difference(bytes, &reply.body);
                        self.findings().check(Invariant::Acknowledged, difference.is_none(), || {
                            format!(
                                "attachment {id}: {} bytes uploaded, {} downloaded, first difference at {difference:?}",
                                bytes.len(),
                                reply.body.len()
                            )
                        });
                    }
                }
                None => {
                    // S3 answers 403 for a key that is not there to whoever
                    // may not list the bucket (the presigned URL's signer);
                    // the embedded backend answers 404.
                    self.findings()
                        .check(Invariant::ErrorsNotApplied, matches!(reply.status, 403 | 404), || {
                            format!("attachment {id}, never uploaded, downloads as {}", reply.status)
                        });
                }
            }
        }
    }
}

/// Whether `a` and `b` are the same bytes; the first difference otherwise.
pub(super) fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    if a == b {
        return None;
    }
    Some(
        a.iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len())),
    )
}
