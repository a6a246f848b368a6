//! `mysfits shift SERVICE WEIGHT`: the weight of a split service's rule set by hand, and
//! watched with `--bake` like a step of `split --steps`.

mod plan;

use crate::commands::steps::cutover::{BakePart, Cutover};
use crate::commands::steps::rules::{self, shares_text, WeightPart};
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::Render;
use plan::{ShiftPlan, ShiftRequest};

/// The rule's weights after the shift, and the bake when there was one.
#[derive(Debug, serde::Serialize)]
pub struct ShiftResult {
    pub service: String,
    pub patterns: Vec<String>,
    pub weight: u8,
    pub weights: Vec<WeightPart>,
    pub bakes: Vec<BakePart>,
}

/// `/mysfits/*/like → like-service 50 %, monolith-service 50 %`.
impl Render for ShiftResult {
    fn text(&self) -> String {
        format!(
            "{} → {}",
            self.patterns.join(", "),
            shares_text(&self.weights)
        )
    }
}

pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::ShiftArgs) -> Result<ShiftResult, Error> {
    let req = ShiftRequest {
        service: args.service.clone(),
        weight: args.weight,
        bake: args.watch.bake,
        max_5xx: args.watch.max_5xx,
        timeout: std::time::Duration::from_secs(args.timeout),
    };
    plan::check(ctx.manifest(), &req.service)?;
    let state = rules::split_state(ctx, &req.service).await?;
    let plan = ShiftPlan::new(&req, &state)?;
    let mut cut = Cutover {
        service: &plan.service,
        cluster: state.outputs.cluster_name.as_str(),
        rule_arn: plan.rule_arn.clone(),
        target_group: plan.target_group.clone(),
        default_target_group: state.outputs.default_target_group_arn.clone(),
        default_service: state.live.default_target.clone(),
        load_balancer: state.outputs.alb_arn.clone(),
        current: plan.current.clone(),
        wait: Some(plan.wait),
    };
    cut.set(ctx, plan.weight).await?;
    let mut bakes = Vec::new();
    if let Some(watch) = &plan.watch {
        bakes.push(cut.bake(ctx, watch).await?);
    }
    ctx.next(plan.next.0, &plan.next.1);
    Ok(ShiftResult {
        service: plan.service.clone(),
        patterns: plan.patterns.clone(),
        weight: cut.weight(),
        weights: cut.weights(),
        bakes,
    })
}
