//! The load harness's targets: a `--target` URL read and resolved into the address, path,
//! `Host` header and TLS server name its connections use, the loopback-only rule applied
//! to each, and how the connections are spread over several targets (round-robin: the
//! k-th connection goes to target k mod n). Knows nothing of requests or reports.

use std::net::SocketAddr;

/// Why a target cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("bad target {0:?}: expected https://HOST:PORT[/PATH]")]
    Syntax(String),
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error(
        "target {0} is not a loopback address; a load test against another machine needs --allow-remote"
    )]
    NotLoopback(SocketAddr),
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
}

/// One server the harness sends to.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL as reported: `https://AUTHORITY/PATH`.
    pub url: String,
    pub addr: SocketAddr,
    pub path: String,
    pub host_header: String,
    pub server_name: rustls::pki_types::ServerName<'static>,
}

/// The URL's authority and path (the direct interface's path when it names none).
fn split(url: &str) -> Result<(&str, String), TargetError> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| TargetError::Syntax(url.to_string()))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let path = if path.is_empty() || path == "/" {
        crate::server::SOSO_PATH.to_string()
    } else {
        path.to_string()
    };
    Ok((authority, path))
}

impl Target {
    /// Reads and resolves `url`; refuses an address that is not loopback unless
    /// `allow_remote`. `server_name` overrides the name checked against the certificate.
    pub async fn resolve(
        url: &str,
        server_name: Option<&str>,
        allow_remote: bool,
    ) -> Result<Target, TargetError> {
        let (authority, path) = split(url)?;
        let uri: hyper::http::uri::Authority = authority
            .parse()
            .map_err(|_| TargetError::Syntax(url.to_string()))?;
        let host = uri.host().trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(443);
        let resolve = |reason: String| TargetError::Resolve {
            host: host.to_string(),
            reason,
        };
        let addr = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| resolve(e.to_string()))?
            .next()
            .ok_or_else(|| resolve("no address".to_string()))?;
        if !allow_remote && !addr.ip().is_loopback() {
            return Err(TargetError::NotLoopback(addr));
        }
        Ok(Target {
            url: format!("https://{authority}{path}"),
            addr,
            path,
            host_header: authority.to_string(),
            server_name: crate::tls::server_name(server_name.unwrap_or(host))?,
        })
    }
}

/// The target of connection `connection` among `targets` (round-robin).
pub fn target_of(connection: usize, targets: usize) -> usize {
    connection % targets
}

/// How many of `connections` each of `targets` gets: the counts differ by at most one,
/// the earlier targets getting the extra ones.
pub fn spread(connections: usize, targets: usize) -> Vec<usize> {
    let mut counts = vec![0; targets];
    for c in 0..connections {
        counts[target_of(c, targets)] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_spread_round_robin() {
        assert_eq!(spread(32, 2), vec![16, 16]);
        assert_eq!(spread(5, 2), vec![3, 2]);
        assert_eq!(spread(7, 3), vec![3, 2, 2]);
        assert_eq!(spread(4, 1), vec![4]);
        // Neighbouring connections go to different targets, so a run that is cut short
        // after a few connections have started has still reached every target.
        let order: Vec<usize> = (0..6).map(|c| target_of(c, 3)).collect();
        assert_eq!(order, vec![0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn a_target_without_a_path_gets_the_direct_interfaces() {
        let (authority, path) = split("https://127.0.0.1:8443").unwrap();
        assert_eq!(authority, "127.0.0.1:8443");
        assert_eq!(path, crate::server::SOSO_PATH);
        assert_eq!(split("https://h:1/x/y").unwrap().1, "/x/y");
        assert!(matches!(
            split("http://127.0.0.1:8443"),
            Err(TargetError::Syntax(_))
        ));
    }

    #[tokio::test]
    async fn each_target_must_be_loopback_without_allow_remote() {
        let t = Target::resolve("https://127.0.0.1:9/p", None, false)
            .await
            .unwrap();
        assert_eq!(t.url, "https://127.0.0.1:9/p");
        assert_eq!(t.host_header, "127.0.0.1:9");
        assert!(matches!(
            Target::resolve("https://192.0.2.1:8443", None, false).await,
            Err(TargetError::NotLoopback(_))
        ));
        assert!(
            Target::resolve("https://192.0.2.1:8443", None, true)
                .await
                .is_ok()
        );
    }
}
