//! A plain HTTP/1.1 client over `std::net`: each request on a fresh
//! connection that the server closes after answering. It can also send
//! bytes no library would, to test what a server does with them.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// One answer read off the wire.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Reply {
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
    request_bytes_with(method, path, &[], json)
}

/// [`request_bytes`] with `headers` besides.
pub fn request_bytes_with(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    json: Option<&str>,
) -> Vec<u8> {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
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

/// Reads a reply from the bytes received so far, if they hold one.
type ParseFn = fn(&[u8]) -> Option<Reply>;

/// Sends `request` over a fresh connection and reads the reply to the end.
/// An error means no complete reply came: refused, reset, or timed out.
pub fn exchange(addr: &str, request: &[u8], timeout: Duration) -> io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    // A server may answer (413, 431) and close before it read everything:
    // what it answered still counts, so a failed write is not yet an error.
    let written = stream.write_all(request);
    // The answer to a HEAD has no body, whatever its headers say of one; it
    // is read to the end of the connection, so a body sent by mistake shows.
    let (parse, complete): (ParseFn, ParseFn) = if request.starts_with(b"HEAD ") {
        (Reply::parse_head, |_| None)
    } else {
        (Reply::parse, Reply::parse_framed)
    };
    let mut raw = Vec::new();
    let mut chunk = [0_u8; 16 * 1024];
    // Read until the reply is complete, not until the server closes: after
    // refusing a body (413) it may wait a while for the rest of it.
    let read = loop {
        match stream.read(&mut chunk) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                raw.extend_from_slice(&chunk[..n]);
                if complete(&raw).is_some() {
                    break Ok(());
                }
            }
            Err(e) => break Err(e),
        }
    };
    match parse(&raw) {
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
pub fn send(addr: &str, method: &str, path: &str, json: Option<&str>) -> io::Result<Reply> {
    exchange(
        addr,
        &request_bytes(method, path, json),
        Duration::from_secs(30),
    )
}

impl Reply {
    /// A reply whose end its own framing marks (`Content-Length` or a last
    /// chunk), once all of it is in `raw`; `None` until then, and for a
    /// reply that ends only when the connection does.
    pub fn parse_framed(raw: &[u8]) -> Option<Reply> {
        let reply = Reply::parse(raw)?;
        let framed = reply.header("content-length").is_some()
            || reply
                .header("transfer-encoding")
                .is_some_and(|te| te.eq_ignore_ascii_case("chunked"));
        framed.then_some(reply)
    }

    /// The reply to a HEAD request: its status and headers, and as body
    /// whatever came after them (nothing, from a correct server), whatever
    /// `Content-Length` says; `None` until the headers are in.
    pub fn parse_head(raw: &[u8]) -> Option<Reply> {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let status = head.split_whitespace().nth(1)?.parse().ok()?;
        let body = raw[split + 4..].to_vec();
        Some(Reply { status, head, body })
    }

    /// Reads a whole reply from the bytes received; `None` if incomplete.
    pub fn parse(raw: &[u8]) -> Option<Reply> {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let status = head.split_whitespace().nth(1)?.parse().ok()?;
        let mut reply = Reply {
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
