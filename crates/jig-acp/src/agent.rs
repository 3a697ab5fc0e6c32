//! The ACP agent: what jig answers to `initialize`, `session/new`,
//! `session/load`, `session/list`, `session/prompt` and `session/cancel`.
//!
//! Invariant: one live jig session per ACP session id, and at most one
//! writer per rollout — loading a session this process already runs shuts
//! the running one down (and waits for its events to end, which releases its
//! lock) before resuming it. Handlers that could wait on the session (a
//! prompt) run in a task of their own, so the dispatch loop stays free for
//! `session/cancel` and for the client's answers to our requests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::schema::{
    AgentCapabilities, CancelNotification, ClientCapabilities, Implementation, InitializeRequest, InitializeResponse,
    ListSessionsRequest, ListSessionsResponse, LoadSessionRequest, LoadSessionResponse, McpCapabilities, McpServer,
    NewSessionRequest, NewSessionResponse, PromptCapabilities, PromptRequest, SessionCapabilities, SessionId,
    SessionInfo, SessionListCapabilities, SessionNotification,
};
use agent_client_protocol::v1::{ConnectionTo, Responder};
use agent_client_protocol::{Agent, Client, ConnectTo, Error, ErrorCode};
use jig_config::ApprovalPolicy;
use jig_core::{Built, Session, SessionBuilder, SessionHandle, SessionStore};
use jig_protocol::Op;
use tokio::sync::mpsc::UnboundedSender;

use crate::files::ClientFiles;
use crate::{LoadSettings, Options};

/// Most sessions `session/list` returns (the most recent).
const MAX_LISTED: usize = 200;

/// The agent's state: options, what the client can do, the live sessions.
pub struct JigAgent {
    options: Options,
    load: LoadSettings,
    client: Mutex<ClientCapabilities>,
    sessions: Mutex<HashMap<String, Arc<Live>>>,
}

/// A jig session this process runs for the client.
pub(crate) struct Live {
    /// The jig (and ACP) session id.
    pub id: String,
    /// Its workspace.
    pub cwd: PathBuf,
    /// Its model's context window, in tokens.
    pub context_window: u64,
    /// Where ops go (also while a prompt holds `handle`).
    pub ops: UnboundedSender<Op>,
    /// The events; held by the prompt that follows them.
    pub handle: tokio::sync::Mutex<SessionHandle>,
    /// A `session/cancel` arrived for the running prompt.
    pub cancelled: AtomicBool,
    /// A resumed turn is running that no prompt has followed yet.
    pub unfinished: AtomicBool,
}

/// An ACP error with code internal-error and a message for the person.
pub(crate) fn internal(message: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::INTERNAL_ERROR, message.to_string())
}

impl JigAgent {
    /// An agent that builds sessions with `options` and settings from `load`.
    pub fn new(options: Options, load: LoadSettings) -> Arc<Self> {
        Arc::new(JigAgent {
            options,
            load,
            client: Mutex::new(ClientCapabilities::new()),
            sessions: Mutex::new(HashMap::new()),
        })
    }

    /// What the client said it can do in `initialize`.
    pub fn client_capabilities(&self) -> ClientCapabilities {
        self.client.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn initialize(&self, request: InitializeRequest) -> InitializeResponse {
        if let Ok(mut client) = self.client.lock() {
            *client = request.client_capabilities.clone();
        }
        let capabilities = AgentCapabilities::new()
            .load_session(true)
            .prompt_capabilities(PromptCapabilities::new().embedded_context(true))
            .mcp_capabilities(McpCapabilities::new().http(true))
            .session_capabilities(SessionCapabilities::new().list(SessionListCapabilities::new()));
        // jig speaks v1 only; a v1 connection of the SDK hands this handler
        // v1 whatever version the client asked for.
        InitializeResponse::new(ProtocolVersion::V1)
            .agent_capabilities(capabilities)
            .agent_info(Implementation::new("jig", env!("CARGO_PKG_VERSION")).title("jig".to_string()))
    }

    /// Builds a new session (or resumes the one in `resume`) for `cwd`.
    fn build(
        &self,
        cwd: &Path,
        resume: Option<PathBuf>,
        mcp_servers: &[McpServer],
        cx: &ConnectionTo<Client>,
    ) -> Result<Session, Error> {
        let (settings, env) = (self.load)(cwd).map_err(|err| internal(format!("{err:#}")))?;
        let approval = self
            .options
            .approval
            .or(settings.approval_policy)
            .unwrap_or(ApprovalPolicy::OnRequest);
        let mut builder = SessionBuilder::new(&settings, &env)
            .workspace(cwd.to_path_buf())
            .dialect(self.options.dialect)
            .approval(approval);
        if let Some(model) = &self.options.model {
            builder = builder.model(model.clone());
        }
        if let Some(exe) = &self.options.jig_exe {
            builder = builder.rg_shim(exe.clone());
        }
        let (servers, left_out) = crate::mcp::servers(mcp_servers);
        for note in left_out {
            eprintln!("warning: {note}");
        }
        builder = builder.mcp_servers(servers);
        let built = match resume {
            Some(dir) => builder.resume(dir),
            None => builder.create(),
        };
        let Built { mut session, notes, .. } = built.map_err(|err| internal(err.to_string()))?;
        for note in notes {
            eprintln!("{note}");
        }
        let id = SessionId::new(session.id());
        if let Some(files) = ClientFiles::new(cx.clone(), id, self.client_capabilities().fs) {
            session.use_files(Arc::new(files));
        }
        Ok(session)
    }

    fn insert(&self, session: Session, cwd: PathBuf) -> Arc<Live> {
        let unfinished = session.has_unfinished_turn();
        let context_window = session.context_window();
        let handle = session.spawn();
        let live = Arc::new(Live {
            id: handle.session_id.clone(),
            cwd,
            context_window,
            ops: handle.op_sender(),
            handle: tokio::sync::Mutex::new(handle),
            cancelled: AtomicBool::new(false),
            unfinished: AtomicBool::new(unfinished),
        });
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(live.id.clone(), Arc::clone(&live));
        }
        live
    }

    pub(crate) fn live(&self, id: &str) -> Option<Arc<Live>> {
        self.sessions.lock().ok()?.get(id).cloned()
    }

    fn new_session(&self, request: NewSessionRequest, cx: &ConnectionTo<Client>) -> Result<NewSessionResponse, Error> {
        let cwd = workspace(&request.cwd)?;
        let session = self.build(&cwd, None, &request.mcp_servers, cx)?;
        let live = self.insert(session, cwd);
        Ok(NewSessionResponse::new(SessionId::new(live.id.as_str())))
    }

    /// Stops the live session `id` (if this process runs it) and waits
    /// until its actor has ended, so its rollout lock is free.
    async fn close(&self, id: &str) {
        let removed = self.sessions.lock().ok().and_then(|mut s| s.remove(id));
        if let Some(live) = removed {
            let _ = live.ops.send(Op::Interrupt);
            let _ = live.ops.send(Op::Shutdown);
            let mut handle = live.handle.lock().await;
            while handle.next().await.is_some() {}
        }
    }

    async fn load_session(
        &self,
        request: LoadSessionRequest,
        cx: &ConnectionTo<Client>,
    ) -> Result<LoadSessionResponse, Error> {
        let cwd = workspace(&request.cwd)?;
        let id = request.session_id.0.to_string();
        self.close(&id).await;
        let (settings, _) = (self.load)(&cwd).map_err(|err| internal(format!("{err:#}")))?;
        let dir = SessionStore::new(&settings.home)
            .resolve(&id)
            .map_err(|err| Error::new(ErrorCode::RESOURCE_NOT_FOUND, err.to_string()))?;
        let session = self.build(&cwd, Some(dir), &request.mcp_servers, cx)?;
        for update in crate::updates::replay(session.items(), &cwd) {
            cx.send_notification(SessionNotification::new(request.session_id.clone(), update))?;
        }
        self.insert(session, cwd);
        Ok(LoadSessionResponse::new())
    }

    fn list_sessions(&self, request: ListSessionsRequest) -> Result<ListSessionsResponse, Error> {
        let here = request.cwd.clone().unwrap_or_else(|| PathBuf::from("."));
        let (settings, _) = (self.load)(&here).map_err(|err| internal(format!("{err:#}")))?;
        let store = SessionStore::new(&settings.home);
        let mut sessions: Vec<SessionInfo> = store
            .list()
            .map_err(|err| internal(err.to_string()))?
            .into_iter()
            .rev()
            .filter_map(|summary| {
                let meta = summary.meta?;
                // Sub-agents are parts of their parent's session.
                if meta.parent_session_id.is_some() {
                    return None;
                }
                if let Some(cwd) = &request.cwd
                    && Path::new(&meta.cwd) != cwd.as_path()
                {
                    return None;
                }
                Some(
                    SessionInfo::new(SessionId::new(summary.id.as_str()), meta.cwd.clone()).updated_at(meta.created_at),
                )
            })
            .collect();
        // The most recent first; a client pages no further than that.
        sessions.truncate(MAX_LISTED);
        Ok(ListSessionsResponse::new(sessions))
    }

    /// Ends every live session (interrupting running turns) and waits
    /// for each to stop: what happens when the client goes away.
    async fn close_all(&self) {
        let ids: Vec<String> = self
            .sessions
            .lock()
            .map(|sessions| sessions.keys().cloned().collect())
            .unwrap_or_default();
        for id in ids {
            self.close(&id).await;
        }
    }

    fn cancel(&self, notification: &CancelNotification) {
        if let Some(live) = self.live(&notification.session_id.0) {
            live.cancelled.store(true, Ordering::SeqCst);
            let _ = live.ops.send(Op::Interrupt);
        }
    }
}

/// The client's cwd as jig's workspace: absolute (ACP requires it) and
/// existing.
fn workspace(cwd: &Path) -> Result<PathBuf, Error> {
    if !cwd.is_absolute() {
        return Err(Error::new(
            ErrorCode::INVALID_PARAMS,
            format!("cwd {} is not an absolute path", cwd.display()),
        ));
    }
    std::fs::canonicalize(cwd).map_err(|err| {
        Error::new(
            ErrorCode::INVALID_PARAMS,
            format!("cannot use {} as the workspace: {err}", cwd.display()),
        )
    })
}

/// Serves `agent` over `transport` until the client closes it.
pub async fn serve(agent: Arc<JigAgent>, transport: impl ConnectTo<Agent> + 'static) -> Result<(), Error> {
    let on_init = Arc::clone(&agent);
    let on_new = Arc::clone(&agent);
    let on_load = Arc::clone(&agent);
    let on_list = Arc::clone(&agent);
    let on_prompt = Arc::clone(&agent);
    let on_cancel = Arc::clone(&agent);
    let served = Agent
        .v1()
        .name("jig")
        .on_receive_request(
            async move |request: InitializeRequest, responder: Responder<InitializeResponse>, _cx| {
                responder.respond(on_init.initialize(request))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: NewSessionRequest, responder: Responder<NewSessionResponse>, cx| {
                responder.respond_with_result(on_new.new_session(request, &cx))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: LoadSessionRequest, responder: Responder<LoadSessionResponse>, cx| {
                let result = on_load.load_session(request, &cx).await;
                responder.respond_with_result(result)
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: ListSessionsRequest, responder: Responder<ListSessionsResponse>, _cx| {
                responder.respond_with_result(on_list.list_sessions(request))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: PromptRequest, responder, cx: ConnectionTo<Client>| {
                let Some(live) = on_prompt.live(&request.session_id.0) else {
                    return responder.respond_with_error(Error::new(
                        ErrorCode::RESOURCE_NOT_FOUND,
                        format!("no session {} here; create or load it first", request.session_id.0),
                    ));
                };
                cx.spawn(crate::prompt::run(live, request, responder, cx.clone()))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_notification(
            async move |notification: CancelNotification, _cx| {
                on_cancel.cancel(&notification);
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .connect_to(transport)
        .await;
    agent.close_all().await;
    served
}
