//! A fake HTTP/1.1 server on 127.0.0.1 that plays a queue of scripted
//! replies, one per connection, and records every request it received.
//! It speaks real HTTP and real SSE (chunked), so the transport under test
//! runs unchanged; only the far end of the socket is fake.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete non-streaming reply.
    Status {
        /// The HTTP status code.
        status: u16,
        /// Extra headers, after `content-length`, `content-type` and `connection`.
        headers: Vec<(String, String)>,
        /// The body, sent as is.
        body: String,
    },
    /// A 200 `text/event-stream` reply sent chunk by chunk, then `end`.
    Sse {
        /// The body's pieces, each written and flushed on its own.
        chunks: Vec<String>,
        /// What happens after the last chunk.
        end: End,
    },
    /// Close the connection before sending anything.
    Reset,
    /// Read the request, then send nothing at all (not even a status line)
    /// and keep the connection open: a server that never answers.
    Silent,
}

/// How a streamed reply ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The terminating chunk: a clean end of body.
    Clean,
    /// Close the socket mid-body, without the terminating chunk.
    Cut,
    /// Send nothing more and keep the connection open.
    Stall,
}

impl Reply {
    /// An error status with a body.
    pub fn status(status: u16, body: &str) -> Self {
        Reply::Status {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    /// An error status with extra headers.
    pub fn status_with(status: u16, headers: &[(&str, &str)], body: &str) -> Self {
        Reply::Status {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.to_string(),
        }
    }

    /// A stream of named events, `event:` line then `data:` line, as the
    /// Responses and Messages APIs send them; the name is the data's `type`.
    pub fn events(data: &[serde_json::Value], end: End) -> Self {
        Reply::Sse {
            chunks: data
                .iter()
                .map(|d| format!("event: {}\ndata: {d}\n\n", d["type"].as_str().unwrap_or_default()))
                .collect(),
            end,
        }
    }

    /// Like [`Reply::events`], but the event at `index` arrives mangled: its
    /// `event:` line intact and its JSON cut off halfway, as a proxy that
    /// loses bytes leaves it.
    pub fn events_mangling(data: &[serde_json::Value], index: usize, end: End) -> Self {
        let mut reply = Reply::events(data, end);
        if let Reply::Sse { chunks, .. } = &mut reply {
            let name = data[index]["type"].as_str().unwrap_or_default();
            chunks[index] = format!("event: {name}\ndata: {}\n\n", half(&data[index].to_string()));
        }
        reply
    }

    /// Like [`Reply::sse`], but the data at `index` is cut off halfway.
    pub fn sse_mangling<S: AsRef<str>>(data: &[S], index: usize, end: End) -> Self {
        let mut reply = Reply::sse(data, end);
        if let Reply::Sse { chunks, .. } = &mut reply {
            chunks[index] = format!("data: {}\n\n", half(data[index].as_ref()));
        }
        reply
    }

    /// A stream of raw SSE text, one chunk per event.
    pub fn raw(text: &[&str], end: End) -> Self {
        Reply::Sse {
            chunks: text.iter().map(|t| format!("{t}\n\n")).collect(),
            end,
        }
    }

    /// A stream of `data:` events (each JSON text or `[DONE]`), as Chat
    /// Completions sends them; see [`crate::streams::chat`].
    pub fn sse<S: AsRef<str>>(data: &[S], end: End) -> Self {
        Reply::Sse {
            chunks: data.iter().map(|d| format!("data: {}\n\n", d.as_ref())).collect(),
            end,
        }
    }
}

/// The first half of `text`, cut on a character boundary: never valid JSON
/// when `text` is a JSON object.
fn half(text: &str) -> &str {
    let mut at = text.len() / 2;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    &text[..at]
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request target, e.g. `/v1/responses`.
    pub path: String,
    /// Every header, names lower-cased, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Request {
    /// The first value of header `name` (give it lower-cased).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON; panics when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// The running server; it stops with the test's runtime.
pub struct FakeServer {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl FakeServer {
    /// Starts serving `replies` in order; once they run out, every request
    /// gets a 599 so a test that asks too much fails loudly.
    pub async fn start(replies: Vec<Reply>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        tokio::spawn(async move {
            let mut replies = replies.into_iter();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let reply = replies
                    .next()
                    .unwrap_or_else(|| Reply::status(599, "no scripted reply left"));
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, reply, recorded).await;
                });
            }
        });
        FakeServer { port, requests }
    }

    /// Base URL with `/v1`, as OpenAI's and Chat Completions' convention has it.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Base URL without `/v1`, as Anthropic's convention has it.
    pub fn root_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut socket: TcpStream, reply: Reply, recorded: Arc<Mutex<Vec<Request>>>) -> std::io::Result<()> {
    let request = read_request(&mut socket).await?;
    recorded.lock().unwrap().push(request);
    match reply {
        Reply::Reset => drop(socket),
        Reply::Silent => {
            tokio::time::sleep(Duration::from_secs(600)).await;
            drop(socket);
        }
        Reply::Status { status, headers, body } => {
            let mut head = format!("HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\n", body.len());
            head.push_str("content-type: application/json\r\nconnection: close\r\n");
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(body.as_bytes()).await?;
            socket.shutdown().await?;
        }
        Reply::Sse { chunks, end } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                        transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            socket.write_all(head.as_bytes()).await?;
            socket.flush().await?;
            for chunk in chunks {
                socket
                    .write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())
                    .await?;
                socket.flush().await?;
                // Let the client see chunks separately, as over a real network.
                tokio::task::yield_now().await;
            }
            match end {
                End::Clean => {
                    socket.write_all(b"0\r\n\r\n").await?;
                    socket.shutdown().await?;
                }
                End::Cut => drop(socket),
                End::Stall => {
                    tokio::time::sleep(Duration::from_secs(600)).await;
                }
            }
        }
    }
    Ok(())
}

async fn read_request(socket: &mut TcpStream) -> std::io::Result<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = socket.read(&mut buf).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..read]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap_or_default()
        .to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let read = socket.read(&mut buf).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..read]);
    }
    let body = String::from_utf8_lossy(&data[head_end..head_end + length]).into_owned();
    Ok(Request { path, headers, body })
}
