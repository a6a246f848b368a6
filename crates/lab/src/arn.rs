//! The one place ARNs are taken apart: the last path part (`…:task-definition/app:3` →
//! `app:3`), and the cluster-scoped ECS resources.

/// What follows the last `/`: a revision `family:N`, a task id, a name.
pub fn tail(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The revision number of `…:task-definition/family:N`.
pub fn revision_number(arn: &str) -> &str {
    tail(arn).rsplit(':').next().unwrap_or_default()
}

/// `arn:aws:ecs:…:<kind>/<cluster>/<name>` → (cluster, name), for `service` and `task`.
pub fn cluster_scoped<'a>(arn: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    arn.split(&format!(":{kind}/")).nth(1)?.split_once('/')
}

/// The id in `arn:aws:ec2:…:<kind>/<id>`, for `natgateway` and the like.
pub fn resource_id<'a>(arn: &'a str, kind: &str) -> Option<&'a str> {
    arn.split(&format!(":{kind}/")).nth(1)
}

/// The part of an ELB ARN that CloudWatch names it by: `targetgroup/<name>/<id>` for a
/// target group, `app/<name>/<id>` for a load balancer.
pub fn elb_dimension(arn: &str) -> &str {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    resource.strip_prefix("loadbalancer/").unwrap_or(resource)
}

pub fn is_kind(arn: &str, kind: &str) -> bool {
    arn.contains(&format!(":{kind}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_come_apart_in_one_place() {
        let td = "arn:aws:ecs:us-east-1:123456789012:task-definition/mysfits-like-service:3";
        assert_eq!(tail(td), "mysfits-like-service:3");
        assert_eq!(revision_number(td), "3");
        let svc = "arn:aws:ecs:us-east-1:123456789012:service/mysfits-cluster/like-service";
        assert_eq!(
            cluster_scoped(svc, "service"),
            Some(("mysfits-cluster", "like-service"))
        );
        assert_eq!(cluster_scoped(svc, "task"), None);
        let nat = "arn:aws:ec2:us-east-1:123456789012:natgateway/nat-0abc";
        assert_eq!(resource_id(nat, "natgateway"), Some("nat-0abc"));
        assert!(is_kind(td, "task-definition"));
        assert_eq!(tail("no-slashes"), "no-slashes");
        let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/mysfits-like-service/73e2d6bc24d8a067";
        assert_eq!(
            elb_dimension(tg),
            "targetgroup/mysfits-like-service/73e2d6bc24d8a067"
        );
        let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/mysfits-alb/50dc6c495c0c9188";
        assert_eq!(elb_dimension(lb), "app/mysfits-alb/50dc6c495c0c9188");
    }
}
