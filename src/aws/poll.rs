//! The one way the tool waits for AWS: poll at an interval with jitter (so many
//! waiters never beat in step), back off while throttled, and stop at a deadline.

use std::time::{Duration, Instant};

/// How long a stack may take to create, update or delete before the tool stops
/// waiting (CloudFormation itself goes on).
pub const STACK_TIMEOUT: Duration = Duration::from_secs(45 * 60);

/// The longest interval throttling backs off to.
const MAX_INTERVAL: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub struct Poll {
    started: Instant,
    base: Duration,
    interval: Duration,
    deadline: Duration,
}

impl Poll {
    /// Polls every `interval` plus up to half of it again, for at most `deadline`.
    pub fn new(interval: Duration, deadline: Duration) -> Self {
        Self {
            started: Instant::now(),
            base: interval,
            interval,
            deadline,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The deadline has passed: the caller reports what it last saw and stops.
    pub fn expired(&self) -> bool {
        self.started.elapsed() >= self.deadline
    }

    /// Sleeps until the next poll; an answer since the last throttle resets the pace.
    pub async fn wait(&mut self) {
        let jitter = self.interval.as_millis() as u64 / 2;
        let sleep = self.interval + Duration::from_millis(fastrand::u64(0..=jitter));
        self.interval = self.base;
        tokio::time::sleep(sleep).await;
    }

    /// The last call was throttled: the next wait is twice as long (up to 20 s).
    pub fn throttled(&mut self) {
        self.interval = (self.interval * 2).clamp(Duration::from_millis(500), MAX_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_backs_off_to_a_ceiling_and_an_answer_resets_it() {
        let mut poll = Poll::new(Duration::from_secs(2), Duration::from_secs(60));
        for _ in 0..10 {
            poll.throttled();
        }
        assert_eq!(poll.interval, MAX_INTERVAL);
        poll.interval = poll.base; // what `wait` does after sleeping
        assert_eq!(poll.interval, Duration::from_secs(2));
        assert!(!poll.expired());
        assert!(Poll::new(Duration::ZERO, Duration::ZERO).expired());
    }
}
