//! The one way the tool waits for AWS: poll at an interval with jitter (so many
//! waiters never beat in step), back off while throttled, and stop at a deadline.
//! [`Poll::until`] is the loop itself; each wait says only what one look finds.

use std::time::{Duration, Instant};

/// How long a stack may take to create, update or delete before the tool stops
/// waiting (CloudFormation itself goes on).
pub const STACK_TIMEOUT: Duration = Duration::from_secs(45 * 60);

/// The longest interval throttling backs off to.
const MAX_INTERVAL: Duration = Duration::from_secs(20);
/// How long throttled looks are still tried past the deadline (a one-look poll has a
/// deadline of 0 and must still get its look), before the throttling ends the wait.
const THROTTLED_GRACE: Duration = Duration::from_secs(60);

/// What one look found.
#[derive(Debug)]
pub enum Look<T, S> {
    /// The wait is over, with this.
    Done(T),
    /// Not yet; what the look saw, handed back if the deadline passes.
    Pending(S),
}

/// How a wait ended.
#[derive(Debug, PartialEq)]
pub enum Waited<T, S> {
    Done(T),
    /// The deadline passed; what the last look saw.
    Expired(S),
}

/// An error that may mean the caller went over its rate: the look is tried again later.
pub trait Throttling {
    fn is_throttling(&self) -> bool;
}

impl Throttling for super::AwsError {
    fn is_throttling(&self) -> bool {
        super::AwsError::is_throttling(self)
    }
}

#[derive(Debug)]
pub struct Poll {
    started: Instant,
    base: Duration,
    interval: Duration,
    deadline: Duration,
    grace: Duration,
}

impl Poll {
    /// Polls every `interval` plus up to half of it again, for at most `deadline`.
    pub fn new(interval: Duration, deadline: Duration) -> Self {
        Self {
            started: Instant::now(),
            base: interval,
            interval,
            deadline,
            grace: THROTTLED_GRACE,
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

    /// Looks until a look is done or, after the deadline, one is not. A throttled look is
    /// tried again after a longer wait, until a minute past the deadline: then the
    /// throttling error ends the wait (nothing was seen to hand back), so an API that
    /// throttles every call cannot hold it forever. Any other error ends it at once.
    pub async fn until<T, S, E: Throttling>(
        &mut self,
        look: impl AsyncFnMut() -> Result<Look<T, S>, E>,
    ) -> Result<Waited<T, S>, E> {
        self.until_showing(look, |_| {}).await
    }

    /// [`Poll::until`], with `show` called on what a look saw each time the wait goes on
    /// (not after the last look, which the caller reports itself).
    pub async fn until_showing<T, S, E: Throttling>(
        &mut self,
        mut look: impl AsyncFnMut() -> Result<Look<T, S>, E>,
        mut show: impl FnMut(&S),
    ) -> Result<Waited<T, S>, E> {
        loop {
            match look().await {
                Err(e) if e.is_throttling() && !self.throttled_too_long() => self.throttled(),
                Err(e) => return Err(e),
                Ok(Look::Done(t)) => return Ok(Waited::Done(t)),
                Ok(Look::Pending(s)) if self.expired() => return Ok(Waited::Expired(s)),
                Ok(Look::Pending(s)) => show(&s),
            }
            self.wait().await;
        }
    }

    fn throttled_too_long(&self) -> bool {
        self.started.elapsed() >= self.deadline + self.grace
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

    #[derive(Debug, PartialEq)]
    struct Failure(bool);

    impl Throttling for Failure {
        fn is_throttling(&self) -> bool {
            self.0
        }
    }

    #[tokio::test]
    async fn a_wait_retries_throttled_looks_and_hands_back_the_last_one_seen() {
        let mut poll = Poll::new(Duration::from_millis(1), Duration::from_secs(60));
        let mut looks = 0;
        let mut shown = Vec::new();
        let end = poll
            .until_showing(
                async || {
                    looks += 1;
                    match looks {
                        1 => Err(Failure(true)),
                        2 | 3 => Ok(Look::Pending(looks)),
                        _ => Ok(Look::Done("done")),
                    }
                },
                |s| shown.push(*s),
            )
            .await;
        assert_eq!(end, Ok(Waited::Done("done")));
        assert_eq!(shown, [2, 3]);
        // Another error ends it; a look after the deadline hands back what it saw.
        let mut poll = Poll::new(Duration::ZERO, Duration::ZERO);
        let failed = poll
            .until(async || Err::<Look<(), ()>, _>(Failure(false)))
            .await;
        assert_eq!(failed, Err(Failure(false)));
        // Throttled past the deadline and its grace: the throttling ends it.
        poll.grace = Duration::ZERO;
        let throttled = poll
            .until(async || Err::<Look<(), ()>, _>(Failure(true)))
            .await;
        assert_eq!(throttled, Err(Failure(true)));
        let expired = poll
            .until(async || Ok::<_, Failure>(Look::<(), _>::Pending("last")))
            .await;
        assert_eq!(expired, Ok(Waited::Expired("last")));
    }
}
