//! Deterministic names derived from the lab name, checked against AWS limits
//! before any API call (the lab's own template broke on long stack names).

use std::fmt;

/// Tag carried by everything the tool creates; `cleanup` and `status` find resources by it.
pub const TAG_LAB: &str = "mysfits:lab";
/// Whether a resource's tags say this lab made it: the one ownership check, so that
/// nothing the tool did not create is ever changed or deleted.
pub fn owned_by(tags: &std::collections::BTreeMap<String, String>, lab: &str) -> bool {
    tags.get(TAG_LAB).map(String::as_str) == Some(lab)
}
/// Tag naming the service a resource belongs to.
pub const TAG_SERVICE: &str = "mysfits:service";

/// The longest lab name: `<lab>-alb`, `<lab>-default` and the like stay within
/// ALB's 32 characters, and the template's `LabName` parameter says the same.
pub const LAB_MAX: usize = 20;
/// The lab a command targets without `--lab`.
pub const DEFAULT_LAB: &str = "mysfits";

/// ` --lab NAME` for a suggested command, so that it targets the same lab; empty for the
/// default lab.
pub fn lab_flag(lab: &str) -> String {
    if lab == DEFAULT_LAB {
        String::new()
    } else {
        format!(" --lab {lab}")
    }
}
/// ALB, target group names.
pub const ELB_NAME_MAX: usize = 32;
/// ECS service names and task-definition families allow 255; we keep service names short
/// enough that `<lab>-<service>` fits a target-group name.
pub const SERVICE_MAX: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{what} '{name}' is empty")]
    Empty { what: &'static str, name: String },
    #[error("{what} '{name}' is {len} characters; at most {max} are allowed")]
    TooLong {
        what: &'static str,
        name: String,
        len: usize,
        max: usize,
    },
    #[error("{what} '{name}' has '{ch}', but only lowercase letters, digits and single hyphens are allowed, starting with a letter")]
    BadChar {
        what: &'static str,
        name: String,
        ch: char,
    },
    #[error("{what} '{name}' must start with a letter and not end with a hyphen or hold '--'")]
    BadShape { what: &'static str, name: String },
    #[error("lab name '{name}' starts with 'internal', which AWS does not allow at the start of a load balancer name")]
    Reserved { name: String },
    #[error("target group name '{name}' would be {len} characters; ALB allows {ELB_NAME_MAX}")]
    TargetGroupTooLong { name: String, len: usize },
}

/// Checks a DNS-like name: lowercase letters, digits, single hyphens, starting with a letter.
pub fn check_dns_name(what: &'static str, name: &str, max: usize) -> Result<(), NameError> {
    let err_name = name.to_string();
    if name.is_empty() {
        return Err(NameError::Empty {
            what,
            name: err_name,
        });
    }
    let len = name.chars().count();
    if len > max {
        return Err(NameError::TooLong {
            what,
            name: err_name,
            len,
            max,
        });
    }
    if let Some(ch) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(NameError::BadChar {
            what,
            name: err_name,
            ch,
        });
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase())
        || name.ends_with('-')
        || name.contains("--")
    {
        return Err(NameError::BadShape {
            what,
            name: err_name,
        });
    }
    Ok(())
}

/// A validated lab name and everything named after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lab(String);

impl Lab {
    pub fn parse(name: &str) -> Result<Self, NameError> {
        check_dns_name("lab name", name, LAB_MAX)?;
        // The ALB is named `<lab>-alb`, and AWS refuses load balancer names starting so.
        if name.starts_with("internal") {
            return Err(NameError::Reserved {
                name: name.to_string(),
            });
        }
        Ok(Self(name.to_string()))
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// The core CloudFormation stack.
    pub fn stack(&self) -> &str {
        &self.0
    }

    /// Task-definition family of a service.
    pub fn family(&self, service: &str) -> String {
        format!("{}-{service}", self.0)
    }

    /// Target group of a split-out service; checked against ALB's 32 characters.
    pub fn target_group(&self, service: &str) -> Result<String, NameError> {
        let name = format!("{}-{service}", self.0);
        if name.len() > ELB_NAME_MAX {
            return Err(NameError::TargetGroupTooLong {
                len: name.len(),
                name,
            });
        }
        Ok(name)
    }

    /// Tags for a resource of this lab, optionally of one service.
    pub fn tags(&self, service: Option<&str>) -> Vec<(String, String)> {
        let mut tags = vec![(TAG_LAB.to_string(), self.0.clone())];
        if let Some(s) = service {
            tags.push((TAG_SERVICE.to_string(), s.to_string()));
        }
        tags
    }
}

impl fmt::Display for Lab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// CloudFormation logical id for a service: `like-service` → `LikeService`.
pub fn logical_id(service: &str) -> String {
    service
        .split('-')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_lab_is_valid() {
        let lab = Lab::parse("mysfits").unwrap();
        assert_eq!(lab.family("like-service"), "mysfits-like-service");
        assert_eq!(
            lab.target_group("like-service").unwrap(),
            "mysfits-like-service"
        );
    }

    #[test]
    fn too_long_lab_is_rejected() {
        let err = Lab::parse(&"a".repeat(21)).unwrap_err();
        assert!(matches!(
            err,
            NameError::TooLong {
                len: 21,
                max: 20,
                ..
            }
        ));
        assert!(Lab::parse(&"a".repeat(20)).is_ok());
    }

    #[test]
    fn illegal_characters_are_rejected() {
        for (bad, ch) in [
            ("My-Lab", 'M'),
            ("lab_1", '_'),
            ("lab.x", '.'),
            ("lab 1", ' '),
        ] {
            match Lab::parse(bad) {
                Err(NameError::BadChar { ch: got, .. }) => assert_eq!(got, ch, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        for bad in ["1lab", "lab-", "la--b", "-lab"] {
            assert!(
                matches!(Lab::parse(bad), Err(NameError::BadShape { .. })),
                "{bad}"
            );
        }
        assert!(matches!(Lab::parse(""), Err(NameError::Empty { .. })));
        assert!(matches!(
            Lab::parse("internal-lab"),
            Err(NameError::Reserved { .. })
        ));
    }

    #[test]
    fn target_group_names_fit_alb_limit() {
        let lab = Lab::parse("a-twenty-char-lab-xx").unwrap();
        let err = lab.target_group("like-service").unwrap_err();
        assert!(matches!(err, NameError::TargetGroupTooLong { len: 33, .. }));
        assert!(err.to_string().contains("32"));
    }

    #[test]
    fn logical_ids_are_camel_case() {
        assert_eq!(logical_id("monolith-service"), "MonolithService");
        assert_eq!(logical_id("users"), "Users");
        assert_eq!(logical_id("a1-b2"), "A1B2");
    }

    #[test]
    fn only_the_tag_of_this_lab_means_owned() {
        let tags = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(owned_by(&tags(&[(TAG_LAB, "mysfits")]), "mysfits"));
        assert!(!owned_by(&tags(&[(TAG_LAB, "other")]), "mysfits"));
        assert!(!owned_by(&tags(&[("lab", "mysfits")]), "mysfits"));
        assert!(!owned_by(&tags(&[]), "mysfits"));
    }

    #[test]
    fn tags_carry_lab_and_service() {
        let lab = Lab::parse("mysfits").unwrap();
        assert_eq!(
            lab.tags(Some("like-service")),
            vec![
                ("mysfits:lab".to_string(), "mysfits".to_string()),
                ("mysfits:service".to_string(), "like-service".to_string())
            ]
        );
    }
}
