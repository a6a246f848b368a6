//! A listener rule's forward action as weights, and the walk of a cut-over: pure, so the
//! 100 %-is-a-plain-split equivalence and the resume rule are tested without a server.

use serde::Serialize;

/// A rule's forward action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Forward {
    /// One target group takes everything: what `split` without `--canary` makes.
    Plain(String),
    /// Weighted target groups (ALB takes 0–999 each; ours sum to 100).
    Weighted(Vec<(String, u32)>),
}

impl Forward {
    /// `service_tg` at `percent` beside `default_tg`; 100 is the plain forward, so a walk
    /// that reaches 100 leaves the rule exactly as a plain split does.
    pub fn at(service_tg: &str, default_tg: &str, percent: u8) -> Self {
        let p = u32::from(percent.min(100));
        if p == 100 {
            Forward::Plain(service_tg.to_string())
        } else {
            Forward::Weighted(vec![
                (service_tg.to_string(), p),
                (default_tg.to_string(), 100 - p),
            ])
        }
    }

    /// The action as read back: a forward config holding one group is that group's plain
    /// forward (AWS echoes a plain forward as a one-group config of weight 1).
    pub fn read(plain: Option<&str>, groups: &[(String, Option<i32>)]) -> Option<Self> {
        match groups {
            [] => plain.map(|tg| Forward::Plain(tg.to_string())),
            [(tg, _)] => Some(Forward::Plain(tg.clone())),
            many => Some(Forward::Weighted(
                many.iter()
                    .map(|(tg, w)| (tg.clone(), w.unwrap_or(1).max(0) as u32))
                    .collect(),
            )),
        }
    }

    /// The share of `tg`, in whole percent of the weights' sum.
    pub fn percent(&self, tg: &str) -> u8 {
        match self {
            Forward::Plain(t) => {
                if t == tg {
                    100
                } else {
                    0
                }
            }
            Forward::Weighted(groups) => {
                let sum: u32 = groups.iter().map(|(_, w)| w).sum();
                let mine: u32 = groups.iter().filter(|(t, _)| t == tg).map(|(_, w)| w).sum();
                // No weight anywhere: nothing goes to anyone.
                (mine * 100 + sum / 2).checked_div(sum).unwrap_or(0) as u8
            }
        }
    }

    /// Every group with its share, in the action's order.
    pub fn shares(&self) -> Vec<(String, u8)> {
        match self {
            Forward::Plain(t) => vec![(t.clone(), 100)],
            Forward::Weighted(groups) => groups
                .iter()
                .map(|(t, _)| (t.clone(), self.percent(t)))
                .collect(),
        }
    }

    /// The same action, whatever order AWS lists the groups in.
    pub fn same(&self, other: &Forward) -> bool {
        match (self, other) {
            (Forward::Plain(a), Forward::Plain(b)) => a == b,
            (Forward::Weighted(a), Forward::Weighted(b)) => {
                let (mut a, mut b) = (a.clone(), b.clone());
                a.sort();
                b.sort();
                a == b
            }
            _ => false,
        }
    }
}

/// One step of a walk: the weight to set, and whether it is watched before the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    pub weight: u8,
    pub bake: bool,
}

/// The steps still to walk: from the first step at or above the current weight (a run
/// cut short resumes there), each baked but a last one of 100 (nothing is left to
/// compare it with), and a last one below 100 only when `bake_last`.
pub fn walk(steps: &[u8], current: Option<u8>, bake_last: bool) -> Vec<Step> {
    let from = current.unwrap_or(0);
    let left: Vec<u8> = steps.iter().copied().filter(|&s| s >= from).collect();
    let n = left.len();
    left.into_iter()
        .enumerate()
        .map(|(i, weight)| Step {
            weight,
            bake: if i + 1 < n {
                true
            } else {
                weight < 100 && bake_last
            },
        })
        .collect()
}

/// `--canary` and `--steps` together: the canary first, then the steps above it.
pub fn steps_of(canary: Option<u8>, steps: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = canary.into_iter().collect();
    out.extend(
        steps
            .iter()
            .copied()
            .filter(|&s| canary.is_none_or(|c| s > c)),
    );
    out
}

/// The usual next step of a cut-over, named in `split` and `shift`'s `next:` line:
/// 10 → 50 → 100.
pub fn next_weight(w: u8) -> u8 {
    if w < 50 {
        50
    } else {
        100
    }
}

/// `10,50,100` → the steps, each 1..=100 and strictly ascending.
pub fn parse_steps(s: &str) -> Result<Vec<u8>, String> {
    let mut out: Vec<u8> = Vec::new();
    for part in s.split(',') {
        let n: u8 = part
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                format!("'{part}' is not a weight: each step is a percent from 1 to 100, e.g. 10,50,100")
            })?;
        if let Some(&last) = out.last() {
            if n <= last {
                return Err(format!(
                    "steps must ascend: {n} comes after {last}, e.g. 10,50,100"
                ));
            }
        }
        out.push(n);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_weight_is_50_then_100() {
        assert_eq!([1, 10, 49, 50, 99].map(next_weight), [50, 50, 50, 100, 100]);
    }

    const NEW: &str = "tg-like";
    const OLD: &str = "tg-mono";

    #[test]
    fn a_weight_is_a_weighted_forward_and_100_is_the_plain_split() {
        assert_eq!(
            Forward::at(NEW, OLD, 10),
            Forward::Weighted(vec![(NEW.into(), 10), (OLD.into(), 90)])
        );
        assert_eq!(Forward::at(NEW, OLD, 100), Forward::Plain(NEW.into()));
        assert_eq!(Forward::at(NEW, OLD, 0).percent(NEW), 0);
        assert_eq!(Forward::at(NEW, OLD, 0).percent(OLD), 100);
        for p in 0..=100 {
            let f = Forward::at(NEW, OLD, p);
            assert_eq!(f.percent(NEW), p);
            assert_eq!(f.percent(NEW) + f.percent(OLD), 100);
        }
    }

    #[test]
    fn what_aws_echoes_reads_back_as_what_was_set() {
        // A plain forward comes back as TargetGroupArn and a one-group config.
        let plain = Forward::read(Some(NEW), &[(NEW.into(), Some(1))]).unwrap();
        assert!(plain.same(&Forward::at(NEW, OLD, 100)));
        assert_eq!(
            Forward::read(Some(NEW), &[]),
            Some(Forward::Plain(NEW.into()))
        );
        assert_eq!(Forward::read(None, &[]), None);
        // Weighted, listed in another order: the same action.
        let back = Forward::read(None, &[(OLD.into(), Some(90)), (NEW.into(), Some(10))]).unwrap();
        assert!(back.same(&Forward::at(NEW, OLD, 10)));
        assert!(!back.same(&Forward::at(NEW, OLD, 50)));
        // Someone else's weights (1:3) still read as a share.
        let theirs = Forward::read(None, &[(NEW.into(), Some(1)), (OLD.into(), Some(3))]).unwrap();
        assert_eq!(theirs.percent(NEW), 25);
        assert_eq!(
            theirs.shares(),
            vec![(NEW.to_string(), 25), (OLD.to_string(), 75)]
        );
    }

    #[test]
    fn a_walk_resumes_at_the_first_step_at_or_above_the_weight() {
        let w = |steps: &[Step]| steps.iter().map(|s| (s.weight, s.bake)).collect::<Vec<_>>();
        let steps = [10, 50, 100];
        assert_eq!(
            w(&walk(&steps, None, true)),
            [(10, true), (50, true), (100, false)]
        );
        assert_eq!(
            w(&walk(&steps, Some(10), true)),
            [(10, true), (50, true), (100, false)]
        );
        assert_eq!(w(&walk(&steps, Some(30), true)), [(50, true), (100, false)]);
        assert_eq!(w(&walk(&steps, Some(100), true)), [(100, false)]);
        // After a rollback (0 %) the whole walk again.
        assert_eq!(walk(&steps, Some(0), true).len(), 3);
        // A last step below 100 is baked in a walk; a lone canary only when asked.
        assert_eq!(w(&walk(&[10, 50], None, true)), [(10, true), (50, true)]);
        assert_eq!(w(&walk(&[10], None, false)), [(10, false)]);
        assert_eq!(w(&walk(&[10], None, true)), [(10, true)]);
    }

    #[test]
    fn steps_parse_ascending_and_in_range() {
        assert_eq!(parse_steps("10,50,100"), Ok(vec![10, 50, 100]));
        assert_eq!(parse_steps("5"), Ok(vec![5]));
        assert!(parse_steps("50,10").unwrap_err().contains("must ascend"));
        assert!(parse_steps("10,10").unwrap_err().contains("must ascend"));
        assert!(parse_steps("0,50").unwrap_err().contains("'0'"));
        assert!(parse_steps("10,101").unwrap_err().contains("'101'"));
        assert!(parse_steps("10,x").is_err());
        assert_eq!(steps_of(Some(10), &[10, 50, 100]), [10, 50, 100]);
        assert_eq!(steps_of(Some(5), &[10, 50]), [5, 10, 50]);
        assert_eq!(steps_of(Some(60), &[10, 50, 100]), [60, 100]);
        assert_eq!(steps_of(None, &[10, 50]), [10, 50]);
    }
}
