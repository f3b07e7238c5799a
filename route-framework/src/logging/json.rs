//! JSON log lines: one object per event, `timestamp`, `level`, the event's
//! fields (its message first), `target` and, inside spans, `spans` (each
//! with its name and fields, outermost first), written straight into the
//! line being formatted: no intermediate serializer, and the timestamp's
//! date and time formatted once a second. An `_aws` field is CloudWatch's
//! embedded metric metadata ([`Directive`](crate::metrics::Directive)):
//! written as a JSON object, stamped with the line's time.

use std::cell::RefCell;
use std::fmt::{self, Write};
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats each event as one JSON object on one line.
pub(crate) struct JsonLines;

/// Formats a span's fields as JSON members (`,"name":value` each), for
/// [`JsonLines`] to put in its `spans`.
pub(crate) struct JsonFields;

impl<'writer> FormatFields<'writer> for JsonFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut members = Fields {
            out: &mut writer,
            keys: None,
            timestamp_ms: millis(SystemTime::now()),
            result: Ok(()),
        };
        fields.record(&mut members);
        members.result
    }
}

impl<S> FormatEvent<S, JsonFields> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // Written into a `String` first: one call into `writer` instead of
        // one dynamic call per piece.
        LINE.with(|line| match line.try_borrow_mut() {
            Ok(mut line) => {
                line.clear();
                format_line(&mut line, ctx, event)?;
                writer.write_str(&line)
            }
            // A field's `Debug` that logs: that line gets its own buffer.
            Err(_) => {
                let mut line = String::new();
                format_line(&mut line, ctx, event)?;
                writer.write_str(&line)
            }
        })
    }
}

thread_local! {
    /// The line being formatted on this thread.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// `event` as one JSON line, spans and all.
fn format_line<S>(line: &mut String, ctx: &FmtContext<'_, S, JsonFields>, event: &Event<'_>) -> fmt::Result
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let metadata = event.metadata();
    let now = SystemTime::now();
    line.push_str("{\"timestamp\":\"");
    timestamp(line, now)?;
    line.push_str("\",\"level\":\"");
    line.push_str(metadata.level().as_str());
    line.push('"');
    let callsite = KEYS.with(|keys| keys.try_borrow_mut().ok().map(|mut keys| keys.of(metadata)));
    let mut fields = Fields {
        out: &mut *line,
        keys: callsite.as_deref().map(|callsite| &callsite.fields[..]),
        timestamp_ms: millis(now),
        result: Ok(()),
    };
    event.record(&mut fields);
    fields.result?;
    match &callsite {
        Some(callsite) => line.push_str(&callsite.target),
        None => target(line, metadata.target())?,
    }
    if let Some(scope) = ctx.event_scope() {
        line.push_str(",\"spans\":[");
        for (at, span) in scope.from_root().enumerate() {
            line.push_str(if at == 0 { "{\"name\":" } else { ",{\"name\":" });
            string(line, span.name())?;
            if let Some(fields) = span.extensions().get::<FormattedFields<JsonFields>>() {
                line.push_str(fields);
            }
            line.push('}');
        }
        line.push(']');
    }
    line.push_str("}\n");
    Ok(())
}

/// The field holding a line's metric metadata, as EMF names it.
const METRICS_FIELD: &str = "_aws";

/// `time` in milliseconds since the epoch.
fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// Writes each field as `,"name":value`.
struct Fields<'a, W> {
    out: &'a mut W,
    /// The fields' keys, when they are known in advance (an event's).
    keys: Option<&'a [String]>,
    /// The line's time, in milliseconds since the epoch: the `Timestamp`
    /// of its metrics.
    timestamp_ms: u64,
    result: fmt::Result,
}

impl<W: Write> Fields<'_, W> {
    /// Writes one field, its value written by `value`; the first error sticks.
    fn entry(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_ok() {
            let key = match self.keys.and_then(|keys| keys.get(field.index())) {
                Some(key) => self.out.write_str(key),
                None => key(self.out, field.name()),
            };
            self.result = key.and_then(|()| value(self.out));
        }
    }
}

/// `,"name":`, the key of a field.
fn key<W: Write + ?Sized>(out: &mut W, name: &str) -> fmt::Result {
    out.write_str(",\"")?;
    Escaped(out).write_str(name)?;
    out.write_str("\":")
}

/// `,"target":"…"`, the member naming where a line was logged.
fn target<W: Write + ?Sized>(out: &mut W, target: &str) -> fmt::Result {
    out.write_str(",\"target\":")?;
    string(out, target)
}

/// How many callsites' keys each thread keeps.
const KEPT_CALLSITES: usize = 16;

thread_local! {
    /// What the callsites this thread logged from lately share.
    static KEYS: RefCell<Keys> = const { RefCell::new(Keys { callsites: Vec::new(), next: 0 }) };
}

/// The JSON a callsite's every line shares, escaped once instead of on
/// every event: a few callsites (the request line above all) log most lines.
struct Callsite {
    /// Its fields as keys (`,"name":`), in their order.
    fields: Box<[String]>,
    /// Its target member (`,"target":"…"`).
    target: String,
}

/// The callsites a thread logged from lately.
struct Keys {
    callsites: Vec<(&'static Metadata<'static>, Rc<Callsite>)>,
    /// The entry to replace next once all are taken.
    next: usize,
}

impl Keys {
    /// What `metadata`'s lines share.
    fn of(&mut self, metadata: &'static Metadata<'static>) -> Rc<Callsite> {
        if let Some((_, callsite)) = self.callsites.iter().find(|(at, _)| std::ptr::eq(*at, metadata)) {
            return Rc::clone(callsite);
        }
        // Writing to a `String` cannot fail.
        let fields = metadata
            .fields()
            .iter()
            .map(|field| {
                let mut member = String::new();
                let _ = key(&mut member, field.name());
                member
            })
            .collect();
        let mut member = String::new();
        let _ = target(&mut member, metadata.target());
        let callsite = Rc::new(Callsite { fields, target: member });
        let entry = (metadata, Rc::clone(&callsite));
        if self.callsites.len() < KEPT_CALLSITES {
            self.callsites.push(entry);
        } else {
            self.callsites[self.next] = entry;
            self.next = (self.next + 1) % KEPT_CALLSITES;
        }
        callsite
    }
}

impl<W: Write> Visit for Fields<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == METRICS_FIELD {
            let timestamp_ms = self.timestamp_ms;
            return self.entry(field, |out| {
                out.write_str("{\"Timestamp\":")?;
                out.write_str(itoa::Buffer::new().format(timestamp_ms))?;
                out.write_char(',')?;
                out.write_str(value)?;
                out.write_char('}')
            });
        }
        self.entry(field, |out| string(out, value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, |out| out.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, |out| out.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.entry(field, |out| out.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.entry(field, |out| out.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // As serde_json writes it: shortest round-trip form; JSON has no NaN
        // or infinity.
        if let Some(thousandths) = thousandths(value) {
            self.entry(field, |out| decimal(out, thousandths));
        } else if value.is_finite() {
            self.entry(field, |out| out.write_str(ryu::Buffer::new().format_finite(value)));
        } else {
            self.entry(field, |out| out.write_str("null"));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field, |out| out.write_str(if value { "true" } else { "false" }));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.entry(field, |out| {
            out.write_char('"')?;
            write!(Escaped(out), "{value}")?;
            out.write_char('"')
        });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.entry(field, |out| {
            out.write_char('"')?;
            write!(Escaped(out), "{value:?}")?;
            out.write_char('"')
        });
    }
}

/// `value` in thousandths, when that is exact and small: then its shortest
/// round-trip form (what ryu writes) is that decimal, which integers write
/// much faster. Latencies in milliseconds to the microsecond are such.
fn thousandths(value: f64) -> Option<u64> {
    // Below 2^32, doubles are far closer together than 0.001: any other
    // decimal of at most three places is another double.
    if !(0.0..4_294_967_296.0).contains(&value) || value.is_sign_negative() {
        return None;
    }
    // To the nearest thousandth: the value is positive, and a cast truncates
    // (`round` is a library call on the baseline x86-64 target).
    let scaled = (value * 1000.0 + 0.5) as u64;
    // Exact: the decimal `scaled / 1000` reads back as `value` itself.
    (scaled as f64 / 1000.0 == value).then_some(scaled)
}

/// `thousandths / 1000` as ryu writes it: `0.007`, `12.5`, `3.0`.
fn decimal<W: Write + ?Sized>(out: &mut W, thousandths: u64) -> fmt::Result {
    out.write_str(itoa::Buffer::new().format(thousandths / 1000))?;
    out.write_char('.')?;
    let fraction = thousandths % 1000;
    if fraction == 0 {
        return out.write_char('0');
    }
    // Zero-padded to three places, without trailing zeros: 7 → `007`, 500 → `5`.
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(fraction);
    out.write_str(&"00"[..3 - digits.len()])?;
    out.write_str(digits.trim_end_matches('0'))
}

/// `text` as a JSON string.
fn string<W: Write + ?Sized>(out: &mut W, text: &str) -> fmt::Result {
    out.write_char('"')?;
    Escaped(out).write_str(text)?;
    out.write_char('"')
}

/// Whether `text` holds anything JSON strings escape: a control character,
/// `"` or `\\`. Checks eight bytes at a time: log text is mostly short
/// (names, ids, paths), too short for the compiler's vector loops.
fn needs_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let word = |at: usize| {
        let mut word = [0; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let found = if len >= 8 {
        // Whole words, the last one overlapping the one before if need be.
        let mut found = escapes_in(word(len - 8));
        for at in (0..len - 8).step_by(8) {
            found |= escapes_in(word(at));
        }
        found
    } else if len >= 4 {
        let half = |at: usize| {
            let mut half = [0; 4];
            half.copy_from_slice(&bytes[at..at + 4]);
            u64::from(u32::from_le_bytes(half))
        };
        // Two halves that may overlap: the first four bytes and the last four.
        escapes_in(half(0) | half(len - 4) << 32)
    } else {
        return bytes.iter().any(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\');
    };
    found != 0
}

/// Non-zero when a byte of `word` is below 0x20, `"` or `\\` (the classic
/// "has a byte less than" and "has a zero byte" tests: they can flag too
/// many bytes past a true one, but never flag a word that has none).
fn escapes_in(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_in = |word: u64| word.wrapping_sub(ONES) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (word.wrapping_sub(ONES * 0x20) & !word | zero_in(quote) | zero_in(backslash)) & HIGH
}

/// Escapes what it is given for the inside of a JSON string: `"`, `\` and
/// control characters, as serde_json does.
struct Escaped<'a, W: ?Sized>(&'a mut W);

impl<W: Write + ?Sized> Write for Escaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Most text needs no escape: one scan, one write.
        if !needs_escape(text) {
            return self.0.write_str(text);
        }
        let mut plain = 0;
        for (at, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..=0x1f => "",
                _ => continue,
            };
            self.0.write_str(&text[plain..at])?;
            if escape.is_empty() {
                write!(self.0, "\\u{byte:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            plain = at + 1;
        }
        self.0.write_str(&text[plain..])
    }
}

thread_local! {
    /// The last second formatted on this thread, and its text
    /// (`2026-11-25T09:00:00`).
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// `now` in UTC to the microsecond, RFC 3339: `2026-11-25T09:00:00.123456Z`.
fn timestamp<W: Write>(out: &mut W, now: SystemTime) -> fmt::Result {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    SECOND.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != seconds {
            let time = i64::try_from(seconds)
                .ok()
                .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
                .unwrap_or_default();
            cached.1.clear();
            write!(cached.1, "{}", time.format("%Y-%m-%dT%H:%M:%S"))?;
            cached.0 = seconds;
        }
        out.write_str(&cached.1)
    })?;
    // `.000123Z`: the microseconds zero-padded to six digits.
    let micros = since_epoch.subsec_micros();
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(micros);
    out.write_char('.')?;
    out.write_str(&"000000"[digits.len().min(6)..])?;
    out.write_str(digits)?;
    out.write_char('Z')
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use serde_json::{Value, json};
    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    /// Lines written by a subscriber under test.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;

        fn make_writer(&'a self) -> Lines {
            self.clone()
        }
    }

    /// What `log` writes through a subscriber formatting with [`JsonLines`]:
    /// each line as text and as JSON.
    fn logged(log: impl FnOnce()) -> Vec<(String, Value)> {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(lines.clone())
            .fmt_fields(JsonFields)
            .event_format(JsonLines)
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        assert!(text.ends_with('\n'), "{text:?}");
        text.lines()
            .map(|line| (line.to_owned(), serde_json::from_str(line).unwrap()))
            .collect()
    }

    /// Served for the request line test.
    #[crate::route("GET /t/logged/{id}", public)]
    async fn logged_route(_id: crate::extract::Path<String>) -> crate::response::NoContent {
        crate::response::NoContent
    }

    #[test]
    fn the_dispatcher_logs_one_line_per_request_with_its_fields_in_order() {
        use crate::dispatch::{Dispatcher, Incoming};
        let routes = crate::routes()
            .into_iter()
            .filter(|route| route.route_key == "GET /t/logged/{id}");
        let dispatcher = Dispatcher::new(routes, crate::auth::NoAuthenticator, ()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let lines = logged(|| {
            let uri = "/t/logged/x%22y?q=1".parse().unwrap();
            let incoming = Incoming::new(
                http::Method::GET,
                uri,
                http::HeaderMap::new(),
                bytes::Bytes::new(),
                "01REQ".into(),
            );
            let response = runtime.block_on(dispatcher.dispatch(incoming));
            assert_eq!(response.status(), 204);
        });
        assert_eq!(lines.len(), 1, "{lines:?}");
        let (text, line) = &lines[0];
        let fields = r#""level":"INFO","message":"request","request_id":"01REQ","route":"GET /t/logged/{id}","method":"GET","path":"/t/logged/x%22y","status":204,"latency_ms":"#;
        assert!(text.contains(fields), "{text}");
        assert!(text.ends_with(r#","target":"route_framework::dispatch"}"#), "{text}");
        assert!(line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{text}");
    }

    #[test]
    fn with_metrics_the_request_line_carries_them_stamped_with_its_own_time() {
        use crate::dispatch::{Dispatcher, Incoming};
        let routes = crate::routes()
            .into_iter()
            .filter(|route| route.route_key == "GET /t/logged/{id}");
        let metrics = crate::metrics::Metrics::new("test-ns").unwrap();
        let dispatcher = Dispatcher::new(routes, crate::auth::NoAuthenticator, ())
            .unwrap()
            .with_metrics(metrics);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let lines = logged(|| {
            for path in ["/t/logged/a", "/t/nowhere"] {
                let incoming = Incoming::new(
                    http::Method::GET,
                    path.parse().unwrap(),
                    http::HeaderMap::new(),
                    bytes::Bytes::new(),
                    "01REQ".into(),
                );
                runtime.block_on(dispatcher.dispatch(incoming));
            }
        });
        let [(_, found), (_, missing)] = &lines[..] else {
            panic!("{lines:?}")
        };
        let time = chrono::DateTime::parse_from_rfc3339(found["timestamp"].as_str().unwrap()).unwrap();
        assert_eq!(found["_aws"]["Timestamp"], time.timestamp_millis(), "{found}");
        assert_eq!(found["_aws"]["CloudWatchMetrics"][0]["Namespace"], "test-ns");
        for (line, route, class) in [(found, "GET /t/logged/{id}", "2xx"), (missing, "-", "4xx")] {
            assert_eq!(
                (
                    &line["kind"],
                    &line["route"],
                    &line["status_class"],
                    &line["count"],
                    &line["errors"]
                ),
                (&json!("request"), &json!(route), &json!(class), &json!(1), &json!(0)),
                "{line}"
            );
        }
    }

    #[test]
    fn field_names_are_escaped_keys_from_any_number_of_callsites() {
        macro_rules! callsites {
            ($($at:literal)*) => {
                $(tracing::info!(at = $at, "quoted \"name\"" = $at, "callsite");)*
            };
        }
        let lines = logged(|| {
            for _ in 0..3 {
                callsites!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19);
            }
        });
        assert_eq!(lines.len(), 60);
        for (at, (text, line)) in lines.iter().enumerate() {
            let at = at % 20;
            assert_eq!(line["at"], at, "{text}");
            assert_eq!(line["quoted \"name\""], at, "{text}");
        }
    }

    #[test]
    fn the_escape_check_finds_every_byte_json_escapes_at_every_place() {
        let plain = |byte: u8| byte >= 0x20 && byte != b'"' && byte != b'\\';
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=0x7fu8 {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    let text = String::from_utf8(text).unwrap();
                    assert_eq!(needs_escape(&text), !plain(byte), "{text:?}");
                }
            }
        }
        // Bytes of multi-byte characters are all 0x80 or above: never escaped.
        assert!(!needs_escape("réservé ✓ ünïcødé — 日本語"));
        // Beside bytes just above and below the escaped ones, and non-ASCII.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let plain_near = [' ', '!', '#', '[', ']', '\x7f', 'é', '✓', '日'];
        let escaped = ['\0', '\n', '\x1f', '"', '\\'];
        for _ in 0..200_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| {
                    let from = if next() % 16 == 0 {
                        &escaped[..]
                    } else {
                        &plain_near[..]
                    };
                    from[(next() % from.len() as u64) as usize]
                })
                .collect();
            assert_eq!(needs_escape(&text), !text.bytes().all(plain), "{text:?}");
        }
        assert!(needs_escape("réservé ✓ \"ünïcødé\""));
    }

    #[test]
    fn exact_thousandths_are_written_as_ryu_writes_them() {
        let exact = (0..2_000_000u64)
            .chain([4_294_967_295_000, 123_456_789_001])
            .map(|thousandths| thousandths as f64 / 1000.0);
        for value in exact {
            let thousandths = thousandths(value).unwrap_or_else(|| panic!("{value} is exact"));
            let mut written = String::new();
            decimal(&mut written, thousandths).unwrap();
            assert_eq!(written, ryu::Buffer::new().format_finite(value), "{value}");
        }
        for value in [
            0.0001,
            0.1 + 0.2,
            -1.0,
            -0.0,
            4_294_967_296.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(thousandths(value), None, "{value}");
        }
    }

    #[test]
    fn every_kind_of_field_is_a_json_value_of_its_kind() {
        let error = std::io::Error::other("disk \"full\"");
        let lines = logged(|| {
            tracing::info!(
                request_id = "01ABC",
                status = 200u16,
                delta = -3,
                latency_ms = 0.25,
                nan = f64::NAN,
                ok = true,
                method = %http::Method::GET,
                list = ?["a", "b"],
                error = &error as &(dyn std::error::Error + 'static),
                "request"
            );
            tracing::warn!("quotes \" backslash \\ newline \n tab \t bell \u{7} é ✓");
        });
        assert_eq!(lines.len(), 2);
        let (text, line) = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "request");
        assert_eq!(line["request_id"], "01ABC");
        assert_eq!(line["status"], 200);
        assert_eq!(line["delta"], -3);
        assert_eq!(line["latency_ms"], 0.25);
        assert_eq!(line["nan"], Value::Null);
        assert_eq!(line["ok"], true);
        assert_eq!(line["method"], "GET");
        assert_eq!(line["list"], r#"["a", "b"]"#);
        assert_eq!(line["error"], "disk \"full\"");
        assert_eq!(line["target"], module_path!());
        // The order every line keeps: timestamp, level, message, fields, target.
        assert!(text.starts_with(r#"{"timestamp":""#), "{text}");
        assert!(
            text.contains(r#"","level":"INFO","message":"request","request_id":"01ABC","#),
            "{text}"
        );
        assert!(
            text.ends_with(&format!(r#","target":"{}"}}"#, module_path!())),
            "{text}"
        );
        let (_, warning) = &lines[1];
        assert_eq!(
            warning["message"],
            json!("quotes \" backslash \\ newline \n tab \t bell \u{7} é ✓")
        );
        assert_eq!(warning["level"], "WARN");
    }

    #[test]
    fn events_in_spans_name_them_with_their_fields_outermost_first() {
        let lines = logged(|| {
            let invoke = tracing::info_span!("Lambda runtime invoke", requestId = "r-1", attempt = 2);
            let _invoke = invoke.enter();
            let inner = tracing::info_span!("inner", path = "/a \"b\"");
            inner.record("path", "/c");
            let _inner = inner.enter();
            tracing::info!("inside");
        });
        let (text, line) = &lines[0];
        assert_eq!(
            line["spans"],
            json!([
                { "name": "Lambda runtime invoke", "requestId": "r-1", "attempt": 2 },
                { "name": "inner", "path": "/c" },
            ]),
            "{text}"
        );
        assert_eq!(line["message"], "inside");
    }

    #[test]
    fn timestamps_are_rfc_3339_utc_to_the_microsecond() {
        let mut text = String::new();
        let at = UNIX_EPOCH + Duration::new(1_795_597_200, 123_456_789);
        timestamp(&mut text, at).unwrap();
        assert_eq!(text, "2026-11-25T09:00:00.123456Z");
        // The same second again comes from the cache; the next one does not.
        text.clear();
        timestamp(&mut text, at + Duration::from_millis(500)).unwrap();
        timestamp(&mut text, at + Duration::from_secs(1)).unwrap();
        assert_eq!(text, "2026-11-25T09:00:00.623456Z2026-11-25T09:00:01.123456Z");
    }
}
