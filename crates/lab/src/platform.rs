//! The platform a service's image is built for and its Fargate tasks run on: one value
//! drives both `build --platform` and the task definition's `runtimePlatform`, so an image
//! built on an ARM laptop is still an x86 image when Fargate runs it on x86.

/// Fargate's Linux platforms (Windows tasks are out of the lab's scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Platform {
    #[default]
    Amd64,
    Arm64,
}

impl Platform {
    pub const ALL: [Platform; 2] = [Platform::Amd64, Platform::Arm64];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// As `docker build --platform` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Amd64 => "linux/amd64",
            Platform::Arm64 => "linux/arm64",
        }
    }

    /// As image configs name it (`docker image inspect --format {{.Architecture}}`).
    pub fn arch(self) -> &'static str {
        match self {
            Platform::Amd64 => "amd64",
            Platform::Arm64 => "arm64",
        }
    }

    /// As ECS's `runtimePlatform.cpuArchitecture` names it.
    pub fn cpu_architecture(self) -> &'static str {
        match self {
            Platform::Amd64 => "X86_64",
            Platform::Arm64 => "ARM64",
        }
    }

    /// A registered revision's `cpuArchitecture`; none means X86_64, as ECS defaults it.
    pub fn from_cpu_architecture(s: Option<&str>) -> Option<Self> {
        match s {
            None => Some(Platform::Amd64),
            Some(s) => Self::ALL.into_iter().find(|p| p.cpu_architecture() == s),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.as_str()), Some(p));
            assert_eq!(
                Platform::from_cpu_architecture(Some(p.cpu_architecture())),
                Some(p)
            );
        }
        assert_eq!(Platform::from_cpu_architecture(None), Some(Platform::Amd64));
        for bad in [
            "linux/arm",
            "amd64",
            "linux/x86_64",
            "windows/amd64",
            "Linux/amd64",
        ] {
            assert_eq!(Platform::parse(bad), None, "{bad}");
        }
    }
}
