//! Clients made for different sessions share one HTTP connection pool: a
//! server that keeps connections alive sees the second client's request on
//! the first client's connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jig_model::openai::{ResponsesClient, ResponsesOptions};
use jig_protocol::Item;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::support::{collect, policy};

/// Serves every request on every connection with one complete Responses
/// stream, keeping connections open; counts the connections accepted.
async fn keep_alive_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let mut body = String::new();
    for event in jig_testkit::streams::openai::text(&["hi"]) {
        body.push_str(&format!(
            "event: {}\ndata: {event}\n\n",
            event["type"].as_str().unwrap()
        ));
    }
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let body = body.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let mut length = 0;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end().to_ascii_lowercase();
                        if line.is_empty() {
                            break;
                        }
                        if let Some(value) = line.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut request = vec![0; length];
                    reader.read_exact(&mut request).await.unwrap();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    write.write_all(head.as_bytes()).await.unwrap();
                    write.write_all(body.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (base, accepted)
}

#[tokio::test]
async fn two_sessions_clients_share_one_connection_pool() {
    let (base, accepted) = keep_alive_server().await;
    let first = ResponsesClient::new(base.clone(), ResponsesOptions::new("m"), None, policy()).unwrap();
    let second = ResponsesClient::new(base, ResponsesOptions::new("m"), None, policy()).unwrap();
    for client in [&first, &second] {
        let events = collect(client, vec![Item::user("hello")]).await.unwrap();
        assert!(!events.is_empty());
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "the second client opened a connection of its own"
    );
}
