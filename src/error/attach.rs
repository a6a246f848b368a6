//! Errors of attaching to a setup mysfits did not make: each says what was found and
//! what to do, and none leaves a change behind (every check runs before any call that
//! changes something).

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("listener {listener} does not exist in {region}")]
    ListenerNotFound { listener: String, region: String },
    #[error("listener {listener} is in {what}, not in {here}: mysfits works in one region and account at a time")]
    ListenerElsewhere {
        listener: String,
        what: String,
        here: String,
        region: Option<String>,
    },
    #[error("load balancer '{0}' does not exist")]
    LoadBalancerNotFound(String),
    #[error("load balancer '{name}' is a {kind} load balancer: mysfits splits by listener rules, which only an application load balancer has")]
    NotApplication { name: String, kind: String },
    #[error("load balancer '{load_balancer}' has no listener on port {port} (it has {ports})")]
    NoListenerOnPort {
        load_balancer: String,
        port: u16,
        ports: String,
    },
    #[error("the listener on port {port}'s default action is {action}, not a forward to one target group: there is no default service to split from")]
    DefaultNotForward {
        port: u16,
        action: String,
        /// Listeners of the same load balancer whose default forwards, by port.
        forwarding: Vec<u16>,
    },
    #[error("target group {0} of the default action does not exist")]
    DefaultGroupGone(String),
    #[error("the default target group {group} has {kind} targets, so no ECS service is behind it: name the cluster for new services")]
    NeedsCluster { group: String, kind: String },
    #[error("cluster '{0}' does not exist or is not active")]
    ClusterNotFound(String),
    #[error("subnet {subnet} is in {vpc}, not in the load balancer's {lb_vpc}: its tasks could not be reached")]
    SubnetOtherVpc {
        subnet: String,
        vpc: String,
        lb_vpc: String,
    },
    #[error("subnet {0} does not exist")]
    SubnetNotFound(String),
    #[error(
        "the load balancer's listeners have {rules} rules, ALB's quota for one load balancer: a split would add one more"
    )]
    ListenerFull { rules: usize },
    #[error("an attached lab's stack is made from what `mysfits up` reads of the listener (its security groups): `template` cannot print it offline")]
    TemplateNeedsListener,
    #[error("'{0}' is the default service of an attached lab: it is not mysfits' to deploy, scale or stop")]
    ForeignDefault(String),
    #[error("ECS service '{service}' in cluster {cluster} exists but mysfits did not create it (no tag mysfits:lab={lab})")]
    ForeignService {
        service: String,
        cluster: String,
        lab: String,
    },
}

impl AttachError {
    pub fn hints(&self, lab_flag: &str) -> Vec<String> {
        match self {
            AttachError::ListenerNotFound { region, .. } => vec![
                format!("list the listeners there: `aws elbv2 describe-listeners --load-balancer-arn ARN --region {region}`"),
            ],
            AttachError::ListenerElsewhere { region, .. } => match region {
                Some(r) => vec![format!("run it in the listener's region: add `--region {r}` (and that account's profile)")],
                None => vec!["use the profile of the listener's account: `--profile NAME`".into()],
            },
            AttachError::LoadBalancerNotFound(_) => vec![
                "list them: `aws elbv2 describe-load-balancers --query 'LoadBalancers[].LoadBalancerName'`".into(),
            ],
            AttachError::NotApplication { .. } => vec!["attach to an application load balancer's listener".into()],
            AttachError::NoListenerOnPort { .. } => vec!["pick one of its ports with `--port N`".into()],
            AttachError::DefaultNotForward { forwarding, .. } => match forwarding.first() {
                Some(p) => vec![format!("attach to the listener that forwards (port {p}): `mysfits attach --load-balancer NAME --port {p}`")],
                None => vec!["give the listener a default action that forwards to the monolith's target group, then attach".into()],
            },
            AttachError::DefaultGroupGone(_) => vec!["fix the listener's default action first".into()],
            AttachError::NeedsCluster { .. } => vec!["add `cluster: NAME` under `attach:`, or pass `mysfits attach … --cluster NAME`".into()],
            AttachError::ClusterNotFound(_) => vec!["list them: `aws ecs list-clusters`; create one with `aws ecs create-cluster --cluster-name NAME`".into()],
            AttachError::SubnetOtherVpc { lb_vpc, .. } => vec![format!("name subnets of {lb_vpc} under `attach.subnets`: `aws ec2 describe-subnets --filters Name=vpc-id,Values={lb_vpc}`")],
            AttachError::SubnetNotFound(_) => vec!["fix `attach.subnets` in the manifest".into()],
            AttachError::ListenerFull { .. } => vec!["remove a rule you no longer need, or ask AWS for a higher quota (Service Quotas: Rules per Application Load Balancer)".into()],
            AttachError::ForeignDefault(_) => vec![format!("deploy a service you split out instead: `mysfits deploy SERVICE --tag v1{lab_flag}`; the default keeps running as it is")],
            AttachError::TemplateNeedsListener => vec!["after `mysfits up`, see it with `aws cloudformation get-template --stack-name LAB`".into()],
            AttachError::ForeignService { .. } => vec!["rename the service in the manifest, so mysfits makes its own".into()],
        }
    }

    /// 2 for what the command line or manifest must change; 1 for what was found.
    pub fn exit_code(&self) -> u8 {
        match self {
            AttachError::ForeignDefault(_) | AttachError::TemplateNeedsListener => 2,
            _ => 1,
        }
    }
}
