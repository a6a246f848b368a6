//! What the tool left in AWS, read by the tests through the SDK: one probe for every
//! module instead of the same describe calls written per file.

use aws_sdk_ecs::types::{Service, TaskDefinition, TaskDefinitionStatus};
use aws_sdk_elasticloadbalancingv2::types::TargetGroup;

use super::Moto;

pub const CLUSTER: &str = "mysfits-cluster";

pub struct Probe {
    pub ecs: aws_sdk_ecs::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub ecr: aws_sdk_ecr::Client,
}

impl Probe {
    pub async fn new(moto: &Moto) -> Self {
        let sdk = moto.sdk().await;
        Self {
            ecs: aws_sdk_ecs::Client::new(&sdk),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&sdk),
            ecr: aws_sdk_ecr::Client::new(&sdk),
        }
    }

    /// The lab cluster's service by that name, if it is ACTIVE.
    pub async fn service(&self, name: &str) -> Option<Service> {
        let out = self
            .ecs
            .describe_services()
            .cluster(CLUSTER)
            .services(name)
            .send()
            .await
            .unwrap();
        out.services()
            .iter()
            .find(|s| s.status() == Some("ACTIVE"))
            .cloned()
    }

    /// The family's latest revision.
    pub async fn task_definition(&self, family: &str) -> TaskDefinition {
        self.ecs
            .describe_task_definition()
            .task_definition(family)
            .send()
            .await
            .unwrap()
            .task_definition()
            .cloned()
            .unwrap_or_else(|| panic!("no task definition {family}"))
    }

    /// The image of the family's latest revision (its first container).
    pub async fn image(&self, family: &str) -> String {
        self.task_definition(family).await.container_definitions()[0]
            .image()
            .unwrap()
            .to_string()
    }

    /// ACTIVE revisions, of the family (`Some`) or of all.
    pub async fn active_revisions(&self, family: Option<&str>) -> Vec<String> {
        self.ecs
            .list_task_definitions()
            .set_family_prefix(family.map(String::from))
            .status(TaskDefinitionStatus::Active)
            .send()
            .await
            .unwrap()
            .task_definition_arns()
            .to_vec()
    }

    pub async fn target_groups(&self) -> Vec<TargetGroup> {
        self.elb
            .describe_target_groups()
            .send()
            .await
            .unwrap()
            .target_groups()
            .to_vec()
    }

    pub async fn target_group(&self, name: &str) -> Option<TargetGroup> {
        self.target_groups()
            .await
            .into_iter()
            .find(|t| t.target_group_name() == Some(name))
    }

    pub async fn repositories(&self) -> Vec<String> {
        self.ecr
            .describe_repositories()
            .send()
            .await
            .unwrap()
            .repositories()
            .iter()
            .filter_map(|r| r.repository_name().map(String::from))
            .collect()
    }
}
