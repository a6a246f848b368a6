//! The core stack's outputs, read by name: the only way the tool learns where things are.

use std::collections::BTreeMap;

/// Every fixed output of `templates/core.yaml` (repository URIs come per service).
pub const OUTPUT_KEYS: [&str; 27] = [
    "VpcId",
    "PublicSubnets",
    "PrivateSubnets",
    "AlbArn",
    "AlbDnsName",
    "AlbUrl",
    "AlbSecurityGroup",
    "ListenerArn",
    "DefaultTargetGroupArn",
    "TaskSecurityGroup",
    "TaskSubnets",
    "TaskAssignPublicIp",
    "RunSecurityGroup",
    "ClusterName",
    "ClusterArn",
    "ExecutionRoleArn",
    "TaskRoleArn",
    "LogGroupName",
    "TableName",
    "TableArn",
    "WebsiteBucket",
    "WebsiteUrl",
    "UserPoolId",
    "UserPoolClientId",
    "ApiUrl",
    "ClicksStream",
    "ClicksBucket",
];

/// The outputs only a core stack has (its table, page, sign-in, API, clickstream and private
/// subnets), and those only an attached lab's stack has (`templates/attach.yaml`;
/// `Attached` says which it is).
pub const CORE_ONLY_KEYS: [&str; 10] = [
    "PrivateSubnets",
    "TableName",
    "TableArn",
    "WebsiteBucket",
    "WebsiteUrl",
    "UserPoolId",
    "UserPoolClientId",
    "ApiUrl",
    "ClicksStream",
    "ClicksBucket",
];
pub const ATTACHED_ONLY_KEYS: [&str; 3] = ["Attached", "DefaultBackend", "ForeignLogGroup"];

/// Every output a stack of that kind has.
pub fn required_keys(attached: bool) -> Vec<&'static str> {
    if !attached {
        return OUTPUT_KEYS.to_vec();
    }
    let shared = OUTPUT_KEYS.iter().filter(|k| !CORE_ONLY_KEYS.contains(k));
    shared.chain(ATTACHED_ONLY_KEYS.iter()).copied().collect()
}

/// The stack's outputs, read once (after `complete` proved every key is there) into
/// named fields; `all` keeps them as the stack has them, for `status` and JSON.
#[derive(Debug, Clone)]
pub struct StackOutputs {
    pub vpc_id: String,
    pub public_subnets: Vec<String>,
    pub alb_arn: String,
    pub alb_dns_name: String,
    pub alb_url: String,
    pub listener_arn: String,
    pub default_target_group_arn: String,
    pub task_security_group: String,
    pub task_subnets: Vec<String>,
    pub task_assign_public_ip: String,
    pub run_security_group: String,
    pub cluster_name: String,
    pub execution_role_arn: String,
    pub task_role_arn: String,
    pub log_group_name: String,
    /// The lab's own table and page: a core stack's only, `None` when attached.
    pub table_name: Option<String>,
    pub website_bucket: Option<String>,
    pub website_url: Option<String>,
    /// The page's sign-in, the API in front and the clickstream: a core stack's only.
    pub modern: Option<ModernOutputs>,
    /// Attached to a listener mysfits did not make: its default is not mysfits' own.
    pub attached: Option<AttachedOutputs>,
    pub all: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "the stack has no output '{0}': it did not finish creating, or was made by another version"
)]
pub struct MissingOutput(pub String);

/// The seed workshop's modules 4-5 (sign-in, the API in front, the clickstream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModernOutputs {
    pub user_pool_id: String,
    pub client_id: String,
    /// The API's URL, no trailing slash.
    pub api_url: String,
    pub clicks_stream: String,
    pub clicks_bucket: String,
}

/// What an attached lab's stack says of the listener's side.
#[derive(Debug, Clone)]
pub struct AttachedOutputs {
    /// What serves the default action, as `DefaultBackend` said it (`ecs:CLUSTER/SERVICE`,
    /// `instances`, `ips`, `lambda`).
    pub default_backend: String,
    /// Whether the log group is someone else's (named in `attach.log_group`).
    pub foreign_log_group: bool,
}

impl StackOutputs {
    /// Every fixed output, or the first one missing.
    pub fn read(all: BTreeMap<String, String>) -> Result<Self, MissingOutput> {
        let get = |key: &str| {
            all.get(key)
                .cloned()
                .ok_or_else(|| MissingOutput(key.to_string()))
        };
        // Comma-separated lists (subnets), blanks dropped.
        let list = |key: &str| {
            get(key).map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
        };
        let attached = all.get("Attached").is_some_and(|v| v == "true");
        let keys = required_keys(attached);
        // All of them, even those no command reads yet: a stack missing one did not finish.
        if let Some(missing) = keys.iter().find(|k| !all.contains_key(**k)) {
            return Err(MissingOutput(missing.to_string()));
        }
        Ok(Self {
            vpc_id: get("VpcId")?,
            public_subnets: list("PublicSubnets")?,
            alb_arn: get("AlbArn")?,
            alb_dns_name: get("AlbDnsName")?,
            alb_url: get("AlbUrl")?,
            listener_arn: get("ListenerArn")?,
            default_target_group_arn: get("DefaultTargetGroupArn")?,
            task_security_group: get("TaskSecurityGroup")?,
            task_subnets: list("TaskSubnets")?,
            task_assign_public_ip: get("TaskAssignPublicIp")?,
            run_security_group: get("RunSecurityGroup")?,
            cluster_name: get("ClusterName")?,
            execution_role_arn: get("ExecutionRoleArn")?,
            task_role_arn: get("TaskRoleArn")?,
            log_group_name: get("LogGroupName")?,
            table_name: all.get("TableName").cloned(),
            website_bucket: all.get("WebsiteBucket").cloned(),
            website_url: all.get("WebsiteUrl").cloned(),
            modern: (!attached)
                .then(|| -> Result<ModernOutputs, MissingOutput> {
                    Ok(ModernOutputs {
                        user_pool_id: get("UserPoolId")?,
                        client_id: get("UserPoolClientId")?,
                        api_url: get("ApiUrl")?.trim_end_matches('/').to_string(),
                        clicks_stream: get("ClicksStream")?,
                        clicks_bucket: get("ClicksBucket")?,
                    })
                })
                .transpose()?,
            attached: attached.then(|| AttachedOutputs {
                default_backend: all["DefaultBackend"].clone(),
                foreign_log_group: all["ForeignLogGroup"] == "true",
            }),
            all: all.clone(),
        })
    }

    /// The lab's table, page bucket and page URL: a core stack's outputs.
    pub fn table(&self) -> Result<&str, MissingOutput> {
        self.table_name
            .as_deref()
            .ok_or_else(|| MissingOutput("TableName".into()))
    }

    pub fn site(&self) -> Result<(&str, &str), MissingOutput> {
        match (&self.website_bucket, &self.website_url) {
            (Some(bucket), Some(url)) => Ok((bucket, url)),
            _ => Err(MissingOutput("WebsiteUrl".into())),
        }
    }

    /// Sign-in, the API and the clickstream of a core stack.
    pub fn modern(&self) -> Result<&ModernOutputs, MissingOutput> {
        self.modern
            .as_ref()
            .ok_or_else(|| MissingOutput("ApiUrl".into()))
    }

    /// The URI of a service's ECR repository (one output per service).
    pub fn repository(&self, service: &str) -> Result<&str, MissingOutput> {
        let key = crate::template::repo_output(service);
        self.all
            .get(&key)
            .map(String::as_str)
            .ok_or(MissingOutput(key))
    }
}
