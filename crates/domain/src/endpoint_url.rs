//! The rules for a webhook endpoint's URL: https (plain http only when allowed), a host, no
//! credentials, and no private or local address unless allowed. Core checks resolved host
//! names against [`is_private`] again when it sends.

use std::net::IpAddr;

use crate::validate::FieldIssue;

/// An endpoint URL: https (http only when allowed), a host, no credentials; a literal private
/// or loopback address only when allowed. Host names are checked again when sending.
pub fn check_url(
    raw: &str,
    allow_http: bool,
    allow_private: bool,
) -> std::result::Result<String, FieldIssue> {
    let field = "url";
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldIssue::error(field, "URL is required."));
    }
    if value.len() > 2048 || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(FieldIssue::error(
            field,
            "URL must be one line without spaces, at most 2048 characters.",
        ));
    }
    let url = url::Url::parse(value).map_err(|_| {
        FieldIssue::error(
            field,
            "URL is not valid; it must look like https://example.com/webhooks.",
        )
    })?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(FieldIssue::error(
                field,
                "URL must use https://. To send to a server on the clinic's own network over plain http, allow plain HTTP for this endpoint.",
            ))
        }
        _ => return Err(FieldIssue::error(field, "URL must start with https:// (or http:// when allowed).")),
    }
    let Some(host) = url.host() else {
        return Err(FieldIssue::error(field, "URL must include a host name."));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldIssue::error(
            field,
            "URL must not contain a user name or password; use a custom header instead.",
        ));
    }
    let literal = match host {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => {
            Some(IpAddr::from([127, 0, 0, 1]))
        }
        url::Host::Domain(_) => None,
    };
    if let Some(ip) = literal {
        if is_private(ip) && !allow_private {
            return Err(FieldIssue::error(
                field,
                format!("{ip} is a private or local address. Allow private/LAN addresses for this endpoint to send there."),
            ));
        }
    }
    Ok(url.to_string())
}

/// Loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified: addresses inside the
/// clinic or this computer.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            check_url(" https://example.com/hook ", false, false).unwrap(),
            "https://example.com/hook"
        );
        assert!(check_url("http://example.com/hook", false, false).is_err());
        assert!(check_url("http://example.com/hook", true, false).is_ok());
        assert!(check_url("https://user:pw@example.com/", false, false).is_err());
        let e = check_url("https://192.168.1.5/hook", false, false).unwrap_err();
        assert_eq!(e.field, "url");
        assert!(check_url("https://192.168.1.5/hook", false, true).is_ok());
        assert!(check_url("https://localhost/hook", false, false).is_err());
    }

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "100.128.0.1", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}
