//! What an app keeps of failed deliveries: the reason a message that may
//! end in the dead-letter queue failed last, for whoever looks at it there.

use super::{Failure, Message};

/// One failed delivery.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryFailure<'a> {
    /// The message that was not consumed.
    pub message: &'a Message,
    /// The consumer that failed; `None` when no consumer could take it (it
    /// names no type).
    pub consumer: Option<&'static str>,
    /// Why.
    pub reason: &'a Failure,
}

/// Told of every failed delivery, after its line is logged, before the
/// batch is answered: the place to keep each message's last failure reason
/// beside the queue. What it does not manage to keep it logs; a delivery
/// never fails because of it.
#[async_trait::async_trait]
pub trait FailureLog: Send + Sync + 'static {
    /// Keeps `failure`.
    async fn record(&self, failure: DeliveryFailure<'_>);
}
