//! The client's files: `fs/read_text_file` and `fs/write_text_file` as
//! jig's [`FileAccess`], so the file tools see and change the editor's
//! buffers (unsaved edits included) rather than what is on disk.
//!
//! Only what the client advertised in `initialize` is used; a request the
//! client fails is answered from the disk by the tool (see
//! `jig_tools::files`). The calls block the tool's own blocking thread
//! until the client answers; the connection's dispatch loop, which routes
//! the answer, is never the one waiting.

use std::path::Path;

use agent_client_protocol::Client;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{FileSystemCapabilities, ReadTextFileRequest, SessionId, WriteTextFileRequest};
use jig_tools::files::FileAccess;

/// A session's files, read and written through the client.
#[derive(Debug)]
pub struct ClientFiles {
    cx: ConnectionTo<Client>,
    session_id: SessionId,
    can: FileSystemCapabilities,
}

impl ClientFiles {
    /// The client's files for `session_id`, when it can read or write any;
    /// `None` leaves the tools on the disk.
    pub fn new(cx: ConnectionTo<Client>, session_id: SessionId, can: FileSystemCapabilities) -> Option<Self> {
        (can.read_text_file || can.write_text_file).then_some(ClientFiles { cx, session_id, can })
    }
}

impl FileAccess for ClientFiles {
    fn read_text(&self, path: &Path) -> Option<String> {
        if !self.can.read_text_file {
            return None;
        }
        let request = ReadTextFileRequest::new(self.session_id.clone(), path.to_path_buf());
        futures::executor::block_on(self.cx.send_request(request).block_task())
            .ok()
            .map(|response| response.content)
    }

    fn write_text(&self, path: &Path, content: &str) -> bool {
        if !self.can.write_text_file {
            return false;
        }
        let request = WriteTextFileRequest::new(self.session_id.clone(), path.to_path_buf(), content);
        futures::executor::block_on(self.cx.send_request(request).block_task()).is_ok()
    }
}
