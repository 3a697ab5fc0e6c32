//! The client side of one server connection: what jig says it can do, and
//! how it answers the server's own requests.
//!
//! jig advertises form elicitation and nothing else (no sampling, no
//! roots). A server's `elicitation/create` goes to the person through the
//! tool host of the call in progress on that server ([`HostSlot`]): the
//! form is asked as `HostRequest::Form`, a filled-in form is accepted with
//! its content, and a refusal, an interrupted turn or nobody to ask
//! declines. The server never waits on a host that is not there, and the
//! time a question waits for the person does not count against the call's
//! `tool_timeout_sec`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jig_protocol::{HostAnswer, HostRequest};
use jig_tools::ToolHost;
use rmcp::model::{
    ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationCapability,
    ErrorData, FormElicitationCapability, Implementation,
};
use rmcp::service::{RequestContext, RoleClient};

/// The tool hosts of the calls running on a server: where that server's
/// questions go (the latest call's host), and how long they waited for
/// the person, which no call's `tool_timeout_sec` counts.
#[derive(Debug, Default)]
pub struct HostSlot {
    hosts: Mutex<Vec<Running>>,
    next: AtomicU64,
    asking: Mutex<Asking>,
}

/// A running call's ticket and tool host.
type Running = (u64, Option<Arc<dyn ToolHost>>);

/// Questions open now, and the time closed ones took.
#[derive(Debug, Default)]
struct Asking {
    open: usize,
    total: Duration,
}

impl HostSlot {
    /// A call with `host` begins; returns its ticket for [`HostSlot::leave`].
    pub fn enter(&self, host: Option<Arc<dyn ToolHost>>) -> u64 {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut hosts) = self.hosts.lock() {
            hosts.push((ticket, host));
        }
        ticket
    }

    /// The call with `ticket` ended.
    pub fn leave(&self, ticket: u64) {
        if let Ok(mut hosts) = self.hosts.lock() {
            hosts.retain(|(t, _)| *t != ticket);
        }
    }

    /// Whether a question is waiting for the person now.
    pub fn is_asking(&self) -> bool {
        self.asking.lock().is_ok_and(|a| a.open > 0)
    }

    /// How long finished questions waited for the person, in all.
    pub fn time_asked(&self) -> Duration {
        self.asking.lock().map_or(Duration::ZERO, |a| a.total)
    }

    fn host(&self) -> Option<Arc<dyn ToolHost>> {
        self.hosts
            .lock()
            .ok()
            .and_then(|hosts| hosts.last().and_then(|(_, h)| h.clone()))
    }

    async fn ask(&self, host: &dyn ToolHost, request: HostRequest) -> Result<HostAnswer, jig_tools::ToolError> {
        if let Ok(mut asking) = self.asking.lock() {
            asking.open += 1;
        }
        let began = Instant::now();
        let answer = host.ask(request).await;
        if let Ok(mut asking) = self.asking.lock() {
            asking.open -= 1;
            asking.total += began.elapsed();
        }
        answer
    }
}

/// jig's [`rmcp::ClientHandler`] for the server `server`.
#[derive(Debug, Clone)]
pub struct Handler {
    server: String,
    host: Arc<HostSlot>,
}

impl Handler {
    /// A handler for `server` asking through `host`.
    pub fn new(server: &str, host: Arc<HostSlot>) -> Self {
        Handler {
            server: server.to_owned(),
            host,
        }
    }
}

fn decline() -> ElicitResult {
    ElicitResult::new(ElicitationAction::Decline)
}

impl rmcp::ClientHandler for Handler {
    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        let ElicitRequestParams::FormElicitationParams {
            message,
            requested_schema,
            ..
        } = request
        else {
            // URL elicitation would send the person to a web page; not offered.
            return Ok(decline());
        };
        let Some(host) = self.host.host() else {
            return Ok(decline());
        };
        let schema = serde_json::to_value(&requested_schema).unwrap_or_default();
        let ask = HostRequest::Form {
            source: format!("mcp server {}", self.server),
            message,
            schema,
        };
        match self.host.ask(host.as_ref(), ask).await {
            Ok(HostAnswer::Form { content }) => Ok(ElicitResult::new(ElicitationAction::Accept).with_content(content)),
            Ok(_) => Ok(decline()),
            Err(_) => Ok(ElicitResult::new(ElicitationAction::Cancel)),
        }
    }

    fn get_info(&self) -> ClientConfig {
        let mut capabilities = ClientCapabilities::builder().build();
        capabilities.elicitation = Some(ElicitationCapability::new().with_form(FormElicitationCapability::new()));
        ClientConfig::new(capabilities, Implementation::new("jig", env!("CARGO_PKG_VERSION")))
    }
}
