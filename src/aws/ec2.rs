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
}
