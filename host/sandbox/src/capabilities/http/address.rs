//! Which IP addresses a connector may connect to.
//!
//! Threat: server-side request forgery. A connector — or a vendor DNS record, or a redirect a
//! vendor sends — pointing the host at something only the host can reach: the cloud metadata
//! service (169.254.169.254, which hands out credentials), the host's own admin ports on
//! loopback, the force's internal network (RFC 1918, unique-local IPv6), or an address that
//! *tunnels* to one of those (IPv4-mapped IPv6, NAT64, 6to4, Teredo). The allow-list names
//! *origins*; this module makes sure the name resolves somewhere public, so allowing
//! `api.vendor.example` cannot be turned into allowing `10.0.0.1` by whoever controls that
//! name's DNS.
//!
//! A force that really does run a vendor system on its own network names those nets explicitly
//! in [`PrivateExceptions`]; nothing internal is reachable by default.

use super::InvalidGrant;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why `ip` is not a public, globally routable address; `None` when it is.
///
/// The reason is a short phrase for logs and error messages, e.g. `"loopback"`.
pub fn classify(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let reason = if ip.is_unspecified() {
        "unspecified address (0.0.0.0)"
    } else if a == 0 {
        // Some stacks treat 0.x.x.x as "this host"; Linux connects 0.0.0.0 to loopback.
        "\"this network\" (0.0.0.0/8)"
    } else if a == 127 {
        "loopback (127.0.0.0/8)"
    } else if a == 10 || (a == 172 && (16..=31).contains(&b)) || (a == 192 && b == 168) {
        "private network (RFC 1918)"
    } else if ip == Ipv4Addr::new(169, 254, 169, 254) {
        // Named on its own: it is the address an SSRF attack is after, and a log that says so
        // gets read.
        "cloud metadata service (169.254.169.254)"
    } else if a == 169 && b == 254 {
        "link-local (169.254.0.0/16)"
    } else if a == 100 && (64..=127).contains(&b) {
        "carrier-grade NAT shared space (100.64.0.0/10)"
    } else if a == 192 && b == 0 && c == 0 {
        "IETF protocol assignments (192.0.0.0/24)"
    } else if (a == 192 && b == 0 && c == 2)
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
    {
        "documentation range (TEST-NET)"
    } else if a == 192 && b == 88 && c == 99 {
        "6to4 relay anycast (192.88.99.0/24, deprecated)"
    } else if a == 198 && (b == 18 || b == 19) {
        "benchmarking (198.18.0.0/15)"
    } else if (224..=239).contains(&a) {
        "multicast (224.0.0.0/4)"
    } else if ip.is_broadcast() {
        "broadcast (255.255.255.255)"
    } else if a >= 240 {
        "reserved (240.0.0.0/4)"
    } else {
        return None;
    };
    Some(reason)
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let reason = if ip.is_unspecified() {
        "unspecified address (::)"
    } else if ip.is_loopback() {
        "loopback (::1)"
    } else if s[..5] == [0; 5] && s[5] == 0xffff {
        // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d through a dual-stack socket, so it
        // could smuggle 127.0.0.1 past a check that only looked at IPv6 ranges. A real vendor
        // publishes its IPv4 address as an A record, never like this.
        "IPv4-mapped IPv6 address (::ffff:0:0/96)"
    } else if s[..6] == [0; 6] {
        "IPv4-compatible IPv6 address (::/96, deprecated)"
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || s[..3] == [0x64, 0xff9b, 1] {
        // A NAT64 gateway turns these into the embedded IPv4 address, which may be internal.
        "NAT64 (64:ff9b::/96, 64:ff9b:1::/48)"
    } else if s[0] == 0x0100 && s[1..4] == [0; 3] {
        "discard-only (100::/64)"
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        "documentation range (2001:db8::/32)"
    } else if s[0] == 0x2001 && s[1] == 0 {
        // Teredo tunnels to an IPv4 address embedded in the address.
        "Teredo tunnel (2001::/32)"
    } else if s[0] == 0x2001 && s[1] == 2 && s[2] == 0 {
        "benchmarking (2001:2::/48)"
    } else if s[0] == 0x2001 && (0x10..=0x2f).contains(&s[1]) {
        "ORCHID (2001:10::/28, 2001:20::/28)"
    } else if s[0] == 0x2002 {
        // 6to4 tunnels to the IPv4 address in bits 16–48, which may be internal.
        "6to4 tunnel (2002::/16)"
    } else if s[0] & 0xfe00 == 0xfc00 {
        "unique-local (fc00::/7)"
    } else if s[0] & 0xffc0 == 0xfe80 {
        "link-local (fe80::/10)"
    } else if s[0] & 0xffc0 == 0xfec0 {
        "site-local (fec0::/10, deprecated)"
    } else if s[0] >> 8 == 0xff {
        "multicast (ff00::/8)"
    } else if s[0] & 0xe000 != 0x2000 {
        // Only 2000::/3 is allocated for global unicast; everything else is reserved.
        "reserved (outside global unicast 2000::/3)"
    } else {
        return None;
    };
    Some(reason)
}

/// A CIDR net: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parse `10.20.0.0/16`, `fd00:1::/64`, or a single address (`10.20.0.5` = `/32`,
    /// `fd00::5` = `/128`; IPv6 may be in brackets).
    ///
    /// # Errors
    /// A message naming the entry and what is wrong: not an address, a prefix out of range,
    /// host bits set (`10.0.0.1/8` — did you mean `10.0.0.0/8`?), or a `/0` that would exempt
    /// every address.
    pub fn parse(text: &str) -> Result<IpNet, InvalidGrant> {
        Self::parse_text(text).map_err(InvalidGrant)
    }

    fn parse_text(text: &str) -> Result<IpNet, String> {
        let text = text.trim();
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr_text = addr_text
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(addr_text);
        let addr: IpAddr = addr_text.parse().map_err(|_| {
            format!("`{text}` is not an IP address or CIDR net (e.g. `10.20.0.0/16`, `fd00::/8`)")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => {
                    return Err(format!(
                        "`{text}`: the prefix length must be a number from 1 to {max}"
                    ));
                }
            },
        };
        if prefix == 0 {
            return Err(format!(
                "`{text}`: a /0 net would exempt every address; name the internal nets you mean"
            ));
        }
        let net = IpNet { addr, prefix };
        let network = net.network();
        if network != addr {
            return Err(format!(
                "`{text}`: host bits are set after the /{prefix}; did you mean `{network}/{prefix}`?"
            ));
        }
        Ok(net)
    }

    /// The net holding exactly this address (`/32` or `/128`).
    pub fn host(addr: IpAddr) -> IpNet {
        IpNet {
            addr,
            prefix: if addr.is_ipv4() { 32 } else { 128 },
        }
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Is this a single address (`/32` or `/128`)?
    pub fn is_single(&self) -> bool {
        self.prefix == if self.addr.is_ipv4() { 32 } else { 128 }
    }

    /// Do the two nets share any address?
    pub fn overlaps(&self, other: &IpNet) -> bool {
        self.contains(other.network()) || other.contains(self.network())
    }

    /// The first address of the net (host bits cleared).
    pub fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask32(self.prefix))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask128(self.prefix))),
        }
    }

    /// Is `ip` inside this net? An IPv4 net never contains an IPv6 address, mapped or not.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(ip) & mask32(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & mask128(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Non-public nets a force's policy lets one connector reach anyway, e.g. an RMS on the force's
/// own network at `10.20.0.0/16`. Empty (the default) means no internal address at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivateExceptions {
    nets: Vec<IpNet>,
}

impl PrivateExceptions {
    /// Exceptions for these nets.
    pub fn new(nets: Vec<IpNet>) -> Self {
        PrivateExceptions { nets }
    }

    /// Parse a list of nets separated by commas or whitespace, each a CIDR net or a single
    /// address: `"10.20.0.0/16, 127.0.0.1"`.
    ///
    /// # Errors
    /// The first bad entry's message (see [`IpNet::parse`]).
    pub fn parse(text: &str) -> Result<PrivateExceptions, InvalidGrant> {
        let nets = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(IpNet::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PrivateExceptions { nets })
    }

    /// Exceptions for every address written literally in `allow` (`http://127.0.0.1:4200`
    /// excepts `127.0.0.1`). Writing an internal address into a grant names it as explicitly as
    /// listing it here, and unlike a name it cannot be re-pointed by DNS; names in the list
    /// except nothing. Meant for embedders whose policy has no separate list of exceptions.
    pub fn literals_in(allow: &super::AllowList) -> PrivateExceptions {
        let nets = allow
            .patterns()
            .iter()
            .filter_map(|p| p.host().parse::<IpAddr>().ok())
            .filter(|ip| classify(*ip).is_some())
            .map(IpNet::host)
            .collect();
        PrivateExceptions { nets }
    }

    /// The nets, in the order given.
    pub fn nets(&self) -> &[IpNet] {
        &self.nets
    }

    /// Is `ip` inside one of the excepted nets?
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(ip: &str) -> Option<&'static str> {
        classify(ip.parse().unwrap())
    }

    #[track_caller]
    fn not_public(ip: &str, why: &str) {
        let r = reason(ip).unwrap_or_else(|| panic!("{ip} was classified public"));
        assert!(r.contains(why), "{ip}: {r} (wanted {why})");
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "169.253.255.255",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "9.255.255.255",
            "11.0.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "2606:4700:4700::1111",
            "2a00:1450:4009:81f::200e",
            "2001:4860:4860::8888",
            "2003::1",
        ] {
            assert_eq!(reason(ip), None, "{ip}");
        }
    }

    #[test]
    fn ipv4_ranges() {
        for (ip, why) in [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "this network"),
            ("0.255.255.255", "this network"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.255", "loopback"),
            ("10.0.0.0", "RFC 1918"),
            ("10.255.255.255", "RFC 1918"),
            ("172.16.0.0", "RFC 1918"),
            ("172.31.255.255", "RFC 1918"),
            ("192.168.0.1", "RFC 1918"),
            ("169.254.169.254", "metadata"),
            ("169.254.0.1", "link-local"),
            ("169.254.255.255", "link-local"),
            ("100.64.0.0", "carrier-grade"),
            ("100.127.255.255", "carrier-grade"),
            ("192.0.0.8", "IETF"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.255", "documentation"),
            ("192.88.99.1", "6to4 relay"),
            ("198.18.0.0", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("254.255.255.255", "reserved"),
            ("255.255.255.255", "broadcast"),
        ] {
            not_public(ip, why);
        }
    }

    #[test]
    fn ipv6_ranges() {
        for (ip, why) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "IPv4-mapped"),
            ("::ffff:8.8.8.8", "IPv4-mapped"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("64:ff9b::a00:1", "NAT64"),
            ("64:ff9b:1::1", "NAT64"),
            ("100::1", "discard"),
            ("2001:db8::1", "documentation"),
            ("2001:db8:ffff::1", "documentation"),
            ("2001::1", "Teredo"),
            ("2001:0:ffff::1", "Teredo"),
            ("2001:2::1", "benchmarking"),
            ("2001:10::1", "ORCHID"),
            ("2002:7f00:1::1", "6to4"),
            ("fc00::1", "unique-local"),
            ("fdff:ffff::1", "unique-local"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("feff::1", "site-local"),
            ("ff02::1", "multicast"),
            ("4000::1", "reserved"),
            ("1::1", "reserved"),
        ] {
            not_public(ip, why);
        }
    }

    #[test]
    fn nets_parse_and_contain() {
        let net = IpNet::parse("10.20.0.0/16").unwrap();
        assert!(net.contains("10.20.255.1".parse().unwrap()));
        assert!(!net.contains("10.21.0.0".parse().unwrap()));
        assert!(!net.contains("::ffff:10.20.0.1".parse().unwrap()));
        let one = IpNet::parse("127.0.0.1").unwrap();
        assert_eq!(one.to_string(), "127.0.0.1/32");
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6 = IpNet::parse("[fd00:1::]/32").unwrap();
        assert!(v6.contains("fd00:1:ffff::9".parse().unwrap()));
        assert!(!v6.contains("fd00:2::".parse().unwrap()));
        assert_eq!(IpNet::parse("::1").unwrap().to_string(), "::1/128");
        assert!(
            IpNet::parse("10.0.0.0/32")
                .unwrap()
                .contains("10.0.0.0".parse().unwrap())
        );
        assert!(
            IpNet::parse("8000::/1")
                .unwrap()
                .contains("ffff::".parse().unwrap())
        );
    }

    #[test]
    fn bad_nets_say_why() {
        for (bad, why) in [
            ("10.0.0.1/8", "did you mean `10.0.0.0/8`"),
            ("10.0.0.0/33", "from 1 to 32"),
            ("fd00::/129", "from 1 to 128"),
            ("10.0.0.0/x", "prefix length"),
            ("0.0.0.0/0", "every address"),
            ("::/0", "every address"),
            ("vendor.example", "not an IP address"),
            ("10.0.0/8", "not an IP address"),
        ] {
            let err = IpNet::parse(bad).unwrap_err();
            assert!(err.0.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn exceptions_list() {
        let ex = PrivateExceptions::parse(" 10.20.0.0/16, 127.0.0.1 fd00::/8").unwrap();
        assert_eq!(ex.nets().len(), 3);
        assert!(ex.contains("127.0.0.1".parse().unwrap()));
        assert!(ex.contains("10.20.3.4".parse().unwrap()));
        assert!(ex.contains("fd12::1".parse().unwrap()));
        assert!(!ex.contains("127.0.0.2".parse().unwrap()));
        assert!(!ex.contains("169.254.169.254".parse().unwrap()));
        assert!(!PrivateExceptions::default().contains("10.0.0.1".parse().unwrap()));
        let err = PrivateExceptions::parse("10.0.0.0/8, nope").unwrap_err();
        assert!(err.0.contains("`nope`"), "{err}");
    }

    #[test]
    fn literal_addresses_in_the_allow_list_are_excepted_names_are_not() {
        use super::super::{AllowList, HostPattern};
        let allow = AllowList::new(
            [
                "http://127.0.0.1:4200",
                "https://[fd00::7]",
                "vendor.example",
                "8.8.8.8",
            ]
            .iter()
            .map(|p| HostPattern::parse(p).unwrap())
            .collect(),
        );
        let ex = PrivateExceptions::literals_in(&allow);
        assert_eq!(
            ex.nets()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["127.0.0.1/32", "fd00::7/128"],
            "public literals need no exception; names get none"
        );
        assert!(!ex.contains("127.0.0.2".parse().unwrap()));
    }
}
