//! A minimal OTLP/HTTP receiver on 127.0.0.1, for tests and `jig bench`:
//! it accepts `POST /v1/traces` and `POST /v1/metrics` (any path, in fact),
//! answers `200` with an empty protobuf body (an empty
//! `Export*ServiceResponse`, meaning full success), and keeps every request
//! body as received, so a test decodes exactly what the exporter sent.
//!
//! Invariant: it listens on the loopback interface only, serves HTTP/1.1
//! with `Content-Length` bodies (what the OTLP exporter sends), keeps
//! connections alive, and its threads end when the process does; it never
//! reaches anything itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request path, e.g. `/v1/traces`.
    pub path: String,
    /// Header names and values, as sent.
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: Vec<u8>,
}

/// A running receiver.
pub struct Receiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts a receiver on a free port of 127.0.0.1.
    pub fn start() -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&received);
        std::thread::Builder::new()
            .name("otlp-receiver".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let store = Arc::clone(&store);
                    // A connection that breaks only loses itself.
                    let _ = std::thread::Builder::new()
                        .name("otlp-connection".into())
                        .spawn(move || serve(stream, &store));
                }
            })?;
        Ok(Receiver { addr, received })
    }

    /// The base URL to give an exporter as its OTLP endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The bodies received on `path`.
    pub fn bodies(&self, path: &str) -> Vec<Vec<u8>> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .map(|r| r.body)
            .collect()
    }
}

/// Serves one connection's requests until it closes or breaks.
fn serve(stream: TcpStream, store: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse().unwrap_or(0);
                }
                headers.push((name, value));
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        store
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Received { path, headers, body });
        writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")?;
        writer.flush()?;
    }
}
