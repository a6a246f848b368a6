//! `mysfits shift SERVICE WEIGHT`: the weight of a split service's rule set by hand, and
//! watched with `--bake` like a step of `split --steps`.

use crate::commands::steps::cutover::{BakePart, Cutover, Watch};
use crate::commands::steps::rules::{self, shares_text, WeightPart};
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::Render;
use mysfits_lab::manifest::Route;

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
    let name = args.service.as_str();
    let service = ctx.service(name)?;
    if service.route == Route::Default {
        return Err(Error::ShiftDefault(name.to_string()));
    }
    let tg_name = ctx.lab.target_group(name)?;
    let outputs = ctx.outputs_for_change().await?;
    let live = rules::live(ctx, &outputs).await?;
    let tg = rules::own_target_group(ctx, &tg_name).await?;
    let rule = tg.as_ref().and_then(|t| live.rule_of(&t.arn));
    let (Some(tg), Some(rule), Some(forward)) =
        (tg.as_ref(), rule, rule.and_then(|r| r.forward.clone()))
    else {
        return Err(Error::NotSplit(name.to_string()));
    };
    let mut cut = Cutover {
        service: name,
        cluster: outputs.cluster_name.as_str(),
        rule_arn: rule.arn.clone(),
        target_group: tg.arn.clone(),
        default_target_group: outputs.default_target_group_arn.clone(),
        default_service: live.default_target.clone(),
        load_balancer: outputs.alb_arn.clone(),
        current: forward,
        wait: Some(std::time::Duration::from_secs(args.timeout)),
    };
    cut.set(ctx, args.weight).await?;
    let mut bakes = Vec::new();
    if args.watch.bake.is_some() {
        bakes.push(cut.bake(ctx, &Watch::from_args(&args.watch)).await?);
    }
    match args.weight {
        100 => ctx.next("take it back if needed", &format!("mysfits merge {name}")),
        w => ctx.next(
            "send it more",
            &format!(
                "mysfits shift {name} {}",
                mysfits_lab::weights::next_weight(w)
            ),
        ),
    }
    Ok(ShiftResult {
        service: name.to_string(),
        patterns: rule.patterns.clone(),
        weight: cut.weight(),
        weights: cut.weights(),
        bakes,
    })
}
