//! `jig mcp serve --http ADDR`: the server over streamable HTTP (rmcp's
//! tower service, served by hyper on the one path `/mcp`), one MCP session
//! per client, all sharing the jig sessions.
//!
//! Invariant: a web page in the person's browser cannot drive it. The
//! address must be loopback unless `--allow-remote`; the `Host` header must
//! name a loopback host (DNS rebinding: a page on `evil.example` whose name
//! now resolves to 127.0.0.1 still sends `Host: evil.example`); a request
//! with an `Origin` header must come from a loopback origin (a page's
//! `fetch` always sends its own). Clients that are not browsers send no
//! `Origin` and pass. The bound address goes to stderr, so `--http
//! 127.0.0.1:0` can be used and found.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::JigServer;

/// The one path MCP is served on; any other is 404.
const ENDPOINT: &str = "/mcp";

/// Browser origins allowed to call: pages served from this machine.
const LOOPBACK_ORIGINS: [&str; 6] = [
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

/// Serves on `addr` until Ctrl-C.
pub async fn serve(server: JigServer, addr: &str, allow_remote: bool) -> anyhow::Result<()> {
    let addr = resolve(addr).await?;
    if !allow_remote && !addr.ip().is_loopback() {
        anyhow::bail!(
            "refusing to serve on {addr}: it is not a loopback address, and whoever reaches it can run \
             commands as you; use 127.0.0.1:PORT, or add --allow-remote behind something that authenticates"
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr().context("cannot read the bound address")?;
    eprintln!("jig mcp serve: listening on http://{bound}{ENDPOINT}");
    let stop = CancellationToken::new();
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_origins(LOOPBACK_ORIGINS)
        .with_cancellation_token(stop.child_token());
    if allow_remote {
        config = config.disable_allowed_hosts();
    }
    let sessions = Arc::clone(&server.sessions);
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    eprintln!("warning: cannot accept a connection: {err}");
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => break,
        };
        let io = hyper_util::rt::TokioIo::new(stream);
        let service = service.clone();
        let endpoint = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let service = service.clone();
            async move {
                if request.uri().path() != ENDPOINT {
                    let mut response = hyper::Response::new(Default::default());
                    *response.status_mut() = hyper::StatusCode::NOT_FOUND;
                    return Ok::<_, std::convert::Infallible>(response);
                }
                Ok(service.handle(request).await)
            }
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, endpoint)
                .await;
        });
    }
    stop.cancel();
    sessions.shutdown().await;
    Ok(())
}

/// `host:port` as a socket address (the first one a name resolves to).
async fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    tokio::net::lookup_host(addr)
        .await
        .with_context(|| format!("cannot resolve {addr:?}; give HOST:PORT, e.g. 127.0.0.1:8765"))?
        .next()
        .with_context(|| format!("{addr:?} resolves to no address"))
}
