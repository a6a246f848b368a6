//! A source-ip condition's CIDR block: containment and overlap, IPv4 and IPv6 apart.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

/// A source-ip condition's block, IPv4 or IPv6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    text: String,
    v4: bool,
    /// The network, IPv4 in the low 32 bits.
    net: u128,
    prefix: u32,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = s.split_once('/')?;
        let addr: IpAddr = addr.parse().ok()?;
        let prefix: u32 = prefix.parse().ok()?;
        let (v4, bits, net) = match addr {
            IpAddr::V4(a) => (true, 32, u32::from(a) as u128),
            IpAddr::V6(a) => (false, 128, u128::from(a)),
        };
        if prefix > bits {
            return None;
        }
        let cidr = Cidr {
            text: s.to_string(),
            v4,
            net,
            prefix,
        };
        Some(Cidr {
            net: net & cidr.mask(),
            ..cidr
        })
    }

    fn mask(&self) -> u128 {
        if self.prefix == 0 {
            return 0;
        }
        let ones = u128::MAX << (128 - self.prefix);
        if self.v4 {
            ones >> 96
        } else {
            ones
        }
    }

    /// Its first address.
    pub fn first(&self) -> IpAddr {
        if self.v4 {
            IpAddr::from((self.net as u32).to_be_bytes())
        } else {
            IpAddr::from(self.net.to_be_bytes())
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let (v4, n) = match ip {
            IpAddr::V4(a) => (true, u32::from(a) as u128),
            IpAddr::V6(a) => (false, u128::from(a)),
        };
        v4 == self.v4 && n & self.mask() == self.net
    }

    /// Every address of `other` is in `self`.
    pub fn covers(&self, other: &Cidr) -> bool {
        self.v4 == other.v4 && self.prefix <= other.prefix && other.net & self.mask() == self.net
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.covers(other) || other.covers(self)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}
