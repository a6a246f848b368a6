//! EC2: the public address of a task's network interface (ECS reports only the interface).

use super::error::{map, AwsError};
use super::Aws;

impl Aws {
    pub async fn public_ip(&self, network_interface: &str) -> Result<Option<String>, AwsError> {
        let out = self
            .ec2
            .describe_network_interfaces()
            .network_interface_ids(network_interface)
            .send()
            .await
            .map_err(map("describe network interface"))?;
        Ok(out
            .network_interfaces()
            .first()
            .and_then(|n| n.association())
            .and_then(|a| a.public_ip())
            .map(String::from))
    }

    /// A NAT gateway's state (`available`, `deleting`, `deleted`…); `None` when unknown.
    pub async fn nat_gateway_state(&self, id: &str) -> Result<Option<String>, AwsError> {
        match self
            .ec2
            .describe_nat_gateways()
            .nat_gateway_ids(id)
            .send()
            .await
            .map_err(map("describe NAT gateway"))
        {
            Ok(out) => Ok(out
                .nat_gateways()
                .first()
                .and_then(|n| n.state())
                .map(|s| s.as_str().to_string())),
            Err(e) if e.code().is_some_and(|c| c.contains("NotFound")) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
