//! The client side of one server connection: what jig says it can do, and
//! how it answers the server's own requests.
//!
//! jig advertises form elicitation and nothing else (no sampling, no
//! roots). A server's `elicitation/create` goes to the person through the
//! tool host of the call in progress on that server ([`HostSlot`]): the
//! form is asked as `HostRequest::Form`, a filled-in form is accepted with
//! its content, and a refusal, an interrupted turn or nobody to ask
//! declines. The server never waits on a host that is not there.

use std::sync::{Arc, Mutex};

use jig_protocol::{HostAnswer, HostRequest};
use jig_tools::ToolHost;
use rmcp::model::{
    ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationCapability,
    ErrorData, FormElicitationCapability, Implementation,
};
use rmcp::service::{RequestContext, RoleClient};

/// The tool host of the call running on a server, if any: where that
/// server's questions go. Calls set it as they start; the latest wins.
#[derive(Debug, Default)]
pub struct HostSlot(Mutex<Option<Arc<dyn ToolHost>>>);

impl HostSlot {
    /// Makes `host` the one asked (or nobody, for `None`).
    pub fn set(&self, host: Option<Arc<dyn ToolHost>>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = host;
        }
    }

    fn get(&self) -> Option<Arc<dyn ToolHost>> {
        self.0.lock().ok().and_then(|slot| slot.clone())
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
        let Some(host) = self.host.get() else {
            return Ok(decline());
        };
        let schema = serde_json::to_value(&requested_schema).unwrap_or_default();
        let ask = HostRequest::Form {
            source: format!("mcp server {}", self.server),
            message,
            schema,
        };
        match host.ask(ask).await {
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
