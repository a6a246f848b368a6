//! The part of each command's `--help` below its options: an example, what it changes
//! and what that costs, so no one learns the bill from the bill.

pub const INIT: &str = "Example: mysfits init && $EDITOR mysfits.yaml
         mysfits init --from-compose docker-compose.yml

Changes: writes ./mysfits.yaml and the sample apps it builds (./examples/), or with
--from-compose only the manifest (./mysfits.yaml, or --manifest); refuses to overwrite
any file without --force. Nothing on AWS.
Costs: nothing.";

pub const ATTACH: &str =
    "Example: mysfits attach --listener arn:aws:elasticloadbalancing:…:listener/app/shop/…

Changes: nothing in AWS. Reads the listener, its rules, the default target group and
what serves it (an ECS service, instances or IPs), and writes the manifest (mysfits.yaml,
or --manifest) with an `attach:` section and the default service. Add your services to it,
then `mysfits up` makes only mysfits' own stack beside it (a security group that admits
the load balancer's, task roles, repositories). mysfits never changes the listener's other
rules, the default target group or the service behind it, and `cleanup` removes only what
it made.
Costs: nothing (it only reads). After `up`, what you split out bills as its Fargate tasks.";

pub const UP: &str = "Example: mysfits up --region us-east-1

Changes: creates the core stack (VPC, load balancer, cluster, table, repositories, log
group, the page, its sign-in (a Cognito user pool and app client), the API in front (an
API Gateway HTTP API with a VPC link) and the clickstream (a Firehose stream into a
clicks bucket)), the default service's task definition and service, and loads the sample
data. Run again, it changes nothing.
Costs: about $0.06-0.08 an hour while it is up (load balancer, one Fargate task, public
IPv4); --private-tasks adds two NAT gateways (about $0.09 an hour). By use, within the
free tiers for a lab: the API $1.00 a million requests, Firehose $0.029 a GB (5 KB
minimum a record), sign-in free up to 10,000 monthly users, S3 cents. The VPC link
itself is free. `mysfits cleanup` ends it.";

pub const DEPLOY: &str = "Example: mysfits deploy monolith-service --tag v2

Changes: builds and pushes the image to the lab's repository, registers a task-definition
revision pinned to its digest, and rolls the service to it (the circuit breaker rolls
back a failing revision). The same tag again registers nothing.
Costs: ECR storage (cents a GB a month); during the rollout old and new tasks run side
by side.";

pub const RUN: &str = "Example: mysfits run like-service

Changes: starts one Fargate task outside the load balancer, checks its health path, and
stops it (--keep leaves it running until `mysfits cleanup`).
Costs: the task's minutes (about $0.012 an hour) and its public IPv4 ($0.005 an hour).";

pub const SPLIT: &str = "Example: mysfits split like-service --path '/mysfits/*/like'

Changes: creates the service's target group, a listener rule for its paths (placed where
no rule is left unreachable; the lab's own rules renumbered when needed) and its Fargate
service. --canary 10 sends 10 % there and the rest to the default service; --steps
10,50,100 walks the weight, watching each step for --bake (target health, deployment,
5xx) and putting 0 % back on a breach (exit 1). The same split again changes nothing;
a walk cut short resumes where it stood; `mysfits merge` takes it back.
Costs: one more Fargate task (about $0.012 an hour) and its public IPv4; CloudWatch
metric reads while it watches (fractions of a cent).";

pub const SHIFT: &str = "Example: mysfits shift like-service 50 --bake 5m

Changes: sets the weights of the service's listener rule (the rest goes to the default
service; 100 is the plain split, 0 keeps the rule with no traffic). With --bake it
watches target health, the deployment and the 5xx in CloudWatch, and on a breach puts
0 % back and exits 1. The same weight again changes nothing.
Costs: CloudWatch metric reads (fractions of a cent); nothing else.";

pub const ROUTE: &str = "Example: mysfits route /mysfits/123/like

Changes: nothing (reads the live listener; --offline reads only the manifest).
Costs: nothing.";

pub const MERGE: &str = "Example: mysfits merge like-service --dry-run

Changes: deletes the service's listener rule (its paths go back to the default route),
then its service and target group. Asks first on a terminal; --yes merges without
asking, --dry-run prints the plan and stops.
Costs: nothing; it ends the service's task billing.";

pub const STATUS: &str = "Example: mysfits status --output json

Changes: nothing. Works from AWS alone (tags and names), even with a broken manifest.
Costs: nothing.";

pub const LOGS: &str = "Example: mysfits logs like-service --since 10m --follow

Changes: nothing. Ctrl-C ends --follow.
Costs: CloudWatch Logs reads (fractions of a cent).";

pub const CLICKS: &str = "Example: mysfits clicks --last 5 --output json

Changes: nothing. Reads the clicks bucket: every object Firehose delivered (one per
buffering interval with clicks in it, `up --clicks-buffer`), each line a click the
clicks-service enriched with the mysfit's name, species, goodevil and lawchaos.
Costs: S3 list and get requests (fractions of a cent).";

pub const CLEANUP: &str = "Example: mysfits cleanup --dry-run

Changes: deletes everything the lab made (services, rules, target groups, revisions,
images, the stack), then sweeps by tag and name and fails if anything is left. Never
touches what it did not make. Asks first on a terminal; --yes deletes without asking.
Costs: nothing; when it exits 0 the lab bills nothing more.";

pub const TEMPLATE: &str = "Example: mysfits template > core.yaml && cfn-lint core.yaml

Changes: nothing (offline).
Costs: nothing.";

pub const COMPLETIONS: &str =
    "Example: mysfits completions bash > ~/.local/share/bash-completion/completions/mysfits

Changes: nothing (prints the script).
Costs: nothing.";

pub const MAN: &str = "Example: mysfits man > mysfits.1 && man ./mysfits.1

Changes: nothing (prints the page).
Costs: nothing.";

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_command_has_an_example_and_says_what_it_changes_and_costs() {
        let cli = crate::cli::Cli::command();
        for sub in cli.get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            for part in ["Example: mysfits ", "Changes: ", "Costs: "] {
                assert!(
                    help.contains(part),
                    "{} --help lacks {part:?}",
                    sub.get_name()
                );
            }
        }
    }
}
