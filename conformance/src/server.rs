//! The app served over real TCP inside the test process, and a
//! plain HTTP/1.1 client that can misbehave on purpose (hang up early, send
//! bytes no library would).
//!
//! The in-process server mounts the probe routes, so the fault cases can
//! make a handler stop at a known point while a client or the database
//! misbehaves around it.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use serde_json::Value;
use shared::DbPool;
use web_db::http::AppService;

/// The app factory, as the suite's macro hands it over: the
/// function that builds the app around a pool (`declarative::app`).
pub trait AppFactory: Fn(DbPool) -> App<Self::Service> + Send + Clone + 'static {
    /// The service the app turns into.
    type Service: AppService;
}

impl<F, T> AppFactory for F
where
    F: Fn(DbPool) -> App<T> + Send + Clone + 'static,
    T: AppService,
{
    type Service = T;
}

/// The app served over TCP on a free port of 127.0.0.1, with the probe
/// routes; stopped when dropped.
pub struct TestServer {
    /// `host:port` it listens on.
    pub addr: String,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Serves `app` over `pool` from a thread of its own.
    pub fn start<F: AppFactory>(app: F, pool: DbPool) -> TestServer {
        let (started_tx, started_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server =
                    HttpServer::new(move || app(pool.clone()).configure(crate::hook::probe_routes))
                        .workers(2)
                        // The test process's own Ctrl-C must stay with the test runner.
                        .disable_signals()
                        .bind("127.0.0.1:0")
                        .expect("bind a free port on 127.0.0.1");
                let addr = server.addrs()[0].to_string();
                let server = server.run();
                let _ = started_tx.send((addr, server.handle()));
                let _ = server.await;
            });
        });
        let (addr, handle) = started_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the in-process server started within 10 s");
        TestServer {
            addr,
            handle,
            thread: Some(thread),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // The stop command is sent at once; the future only reports when
        // it is done, which joining the thread waits for anyway.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One answer read off the wire.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The status code.
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl HttpReply {
    /// The value of a header (first one, name case-insensitive), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    /// The body as text (lossy), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, `Null` if it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// True for an error the app itself answered as the contract says: a
    /// JSON body `{"error": "…"}` with a JSON content type.
    pub fn is_json_error(&self) -> bool {
        self.header("content-type") == Some("application/json")
            && self.json()["error"].as_str().is_some_and(|e| !e.is_empty())
    }
}

/// A request in HTTP/1.1 that asks the server to close the connection
/// after answering, so that reading to the end reads exactly one reply.
pub fn request_bytes(method: &str, path: &str, json: Option<&str>) -> Vec<u8> {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    if let Some(body) = json {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        request.push_str("Content-Length: 0\r\n\r\n");
    }
    request.into_bytes()
}

/// Sends `request` over a fresh connection and reads the reply to the end.
/// An error means no complete reply came: refused, reset, or timed out.
pub fn exchange(addr: &str, request: &[u8], timeout: Duration) -> io::Result<HttpReply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    // A server may answer (413, 431) and close before it read everything:
    // what it answered still counts, so a failed write is not yet an error.
    let written = stream.write_all(request);
    let mut raw = Vec::new();
    let mut chunk = [0_u8; 16 * 1024];
    // Read until the reply is complete, not until the server closes: after
    // refusing a body (413) it may wait a while for the rest of it.
    let read = loop {
        match stream.read(&mut chunk) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                raw.extend_from_slice(&chunk[..n]);
                if HttpReply::parse_framed(&raw).is_some() {
                    break Ok(());
                }
            }
            Err(e) => break Err(e),
        }
    };
    match HttpReply::parse(&raw) {
        Some(reply) => Ok(reply),
        None => {
            written?;
            read?;
            Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "no complete HTTP reply: {:?}",
                    String::from_utf8_lossy(&raw)
                ),
            ))
        }
    }
}

/// `method path` with an optional JSON body, over a fresh connection.
pub fn send(addr: &str, method: &str, path: &str, json: Option<&str>) -> io::Result<HttpReply> {
    exchange(
        addr,
        &request_bytes(method, path, json),
        Duration::from_secs(30),
    )
}

impl HttpReply {
    /// A reply whose end its own framing marks (`Content-Length` or a last
    /// chunk), once all of it is in `raw`; `None` until then, and for a
    /// reply that ends only when the connection does.
    pub fn parse_framed(raw: &[u8]) -> Option<HttpReply> {
        let reply = HttpReply::parse(raw)?;
        let framed = reply.header("content-length").is_some()
            || reply
                .header("transfer-encoding")
                .is_some_and(|te| te.eq_ignore_ascii_case("chunked"));
        framed.then_some(reply)
    }

    /// Reads a whole reply from the bytes received; `None` if incomplete.
    pub fn parse(raw: &[u8]) -> Option<HttpReply> {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let status = head.split_whitespace().nth(1)?.parse().ok()?;
        let mut reply = HttpReply {
            status,
            head,
            body: Vec::new(),
        };
        let rest = &raw[split + 4..];
        reply.body = if reply
            .header("transfer-encoding")
            .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
        {
            dechunk(rest)?
        } else {
            let length: usize = match reply.header("content-length") {
                Some(length) => length.parse().ok()?,
                None => rest.len(),
            };
            rest.get(..length)?.to_vec()
        };
        Some(reply)
    }
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}
