//! EC2: the public address of a task's network interface (ECS reports only the interface).

use super::error::{Answer, AwsError, NoneIf};
use super::Aws;

impl Aws {
    pub async fn public_ip(&self, network_interface: &str) -> Result<Option<String>, AwsError> {
        let call = self
            .ec2
            .describe_network_interfaces()
            .network_interface_ids(network_interface);
        let out = call.send().answer("describe network interface").await?;
        Ok(out
            .network_interfaces()
            .first()
            .and_then(|n| n.association())
            .and_then(|a| a.public_ip())
            .map(String::from))
    }

    /// A NAT gateway's state (`available`, `deleting`, `deleted`…); `None` when unknown.
    pub async fn nat_gateway_state(&self, id: &str) -> Result<Option<String>, AwsError> {
        let call = self.ec2.describe_nat_gateways().nat_gateway_ids(id);
        let answer = call.send().answer("describe NAT gateway").await;
        let out = answer.none_if(|e| e.code().is_some_and(|c| c.contains("NotFound")))?;
        Ok(out.and_then(|out| {
            let gateway = out.nat_gateways().first()?;
            gateway.state().map(|s| s.as_str().to_string())
        }))
    }
}
