//! STS: which account the credentials belong to, for errors that say where they looked.

use super::error::Answer;
use super::Aws;

impl Aws {
    /// The account of the caller (GetCallerIdentity needs no permission); `None` when STS
    /// does not answer, since the account only names a place in a message.
    pub async fn account(&self) -> Option<String> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .answer("get caller identity")
            .await
            .ok()?;
        out.account().map(String::from)
    }
}
