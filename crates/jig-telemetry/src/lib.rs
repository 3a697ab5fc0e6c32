//! Opt-in OpenTelemetry export of jig sessions: spans and metrics named by
//! the OpenTelemetry GenAI semantic conventions, sent over OTLP/HTTP
//! (protobuf bodies) to `[telemetry] otlp_endpoint` or the standard
//! `OTEL_EXPORTER_OTLP_*` variables, as `jig-config` resolved them.
//!
//! Design: a session is observed, not instrumented. Its recorder hands every
//! event it emits (already redacted) to [`SessionTelemetry::observe`], which
//! opens and closes the session (`invoke_agent jig`), turn and tool-call
//! (`execute_tool NAME`) spans; the one boundary the event stream lacks — a
//! model request's start and its latency — comes from [`TracedModel`], a
//! [`ModelClient`](jig_model::ModelClient) decorator that opens a
//! `chat MODEL` span under the current turn, records retries as span events,
//! and the token and duration histograms. Nothing else in the core calls in.
//!
//! Invariants: off unless an endpoint is configured — then no exporter,
//! thread or span exists and a session carries no observer at all. The
//! content of prompts, outputs, tool arguments and results is never an
//! attribute unless `capture_content` is on, and then only as the recorder's
//! redactor left it; header values (which may hold keys) are never shown or
//! recorded. The exporters are one per process and configuration
//! ([`Telemetry::for_settings`]), shared by every session in it, and
//! [`shutdown_all`] (the CLI calls it on exit) flushes them deterministically:
//! it returns once every finished span and the metrics were sent, or the
//! export failed. A session's spans end when the session does (its recorder
//! is dropped), so a front-end that saw its event channel close can flush.
//!
//! Cost: building the official SDK and OTLP exporter (prost for the wire
//! format) is measured in the report; at run time a span is a few
//! allocations on the session's task and one channel send to the SDK's batch
//! thread, which does the HTTP. `jig bench loop` measures on against off.
#![deny(missing_docs)]

mod model;
pub mod receiver;
mod session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jig_config::TelemetrySettings;
use opentelemetry::metrics::{Counter, Histogram, MeterProvider as _};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{MetricExporter, Protocol, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

pub use model::TracedModel;
pub use session::{SessionTelemetry, TraceParent};

/// Why telemetry could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The OTLP exporter rejected its configuration (a bad endpoint URL).
    #[error(
        "cannot export telemetry to {endpoint}: {reason}; check [telemetry] otlp_endpoint or OTEL_EXPORTER_OTLP_ENDPOINT"
    )]
    Exporter {
        /// The endpoint it was given.
        endpoint: String,
        /// What the exporter said.
        reason: String,
    },
    /// Flushing or shutting down the exporters failed (the collector was
    /// unreachable or refused the data).
    #[error("telemetry export failed: {0}")]
    Export(String),
}

/// Where and how a process exports: the part of [`TelemetrySettings`] that
/// picks the exporters. Two sessions with the same one share them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    traces: String,
    /// `None` when only a traces endpoint was given: no metrics are sent.
    metrics: Option<String>,
    headers: Vec<(String, String)>,
    service_name: String,
}

impl Target {
    fn of(settings: &TelemetrySettings) -> Option<Self> {
        Some(Target {
            traces: settings.traces_endpoint()?,
            metrics: settings.metrics_endpoint(),
            headers: settings.headers.pairs().to_vec(),
            service_name: settings.service_name().to_owned(),
        })
    }
}

/// A process's exporters for one [`Target`], and the instruments sessions
/// record into.
pub struct Telemetry {
    tracers: SdkTracerProvider,
    meters: SdkMeterProvider,
    pub(crate) tracer: SdkTracer,
    pub(crate) instruments: Instruments,
    pub(crate) capture_content: bool,
}

/// The metrics jig records.
pub(crate) struct Instruments {
    /// `gen_ai.client.token.usage`, by `gen_ai.token.type`.
    pub(crate) tokens: Histogram<u64>,
    /// `gen_ai.client.operation.duration`, seconds per model request.
    pub(crate) duration: Histogram<f64>,
    /// `jig.usage.cost`, US dollars spent.
    pub(crate) cost: Counter<f64>,
    /// `jig.tool.errors`, tool calls that ended in error.
    pub(crate) tool_errors: Counter<u64>,
}

/// Exporters already built in this process, by target.
static PROCESS: Mutex<Vec<(Target, bool, Arc<Telemetry>)>> = Mutex::new(Vec::new());

impl Telemetry {
    /// The exporters for `settings`, built on first use and shared by every
    /// later session with the same settings; `None` when no endpoint is set
    /// (telemetry is off and costs nothing).
    pub fn for_settings(settings: &TelemetrySettings) -> Result<Option<Arc<Telemetry>>, TelemetryError> {
        let Some(target) = Target::of(settings) else {
            return Ok(None);
        };
        let capture = settings.capture_content.unwrap_or(false);
        let mut process = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, telemetry)) = process.iter().find(|(t, c, _)| *t == target && *c == capture) {
            return Ok(Some(Arc::clone(telemetry)));
        }
        let telemetry = Arc::new(Telemetry::build(&target, capture)?);
        process.push((target, capture, Arc::clone(&telemetry)));
        Ok(Some(telemetry))
    }

    fn build(target: &Target, capture_content: bool) -> Result<Self, TelemetryError> {
        let headers: HashMap<String, String> = target.headers.iter().cloned().collect();
        let exporter_error = |endpoint: &str| {
            let endpoint = endpoint.to_owned();
            move |err: opentelemetry_otlp::ExporterBuildError| TelemetryError::Exporter {
                endpoint,
                reason: err.to_string(),
            }
        };
        let spans = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(target.traces.clone())
            .with_headers(headers.clone())
            .build()
            .map_err(exporter_error(&target.traces))?;
        let resource = Resource::builder_empty()
            .with_service_name(target.service_name.clone())
            .with_attribute(opentelemetry::KeyValue::new(
                "service.version",
                env!("CARGO_PKG_VERSION"),
            ))
            .build();
        let tracers = SdkTracerProvider::builder()
            .with_batch_exporter(spans)
            .with_resource(resource.clone())
            .build();
        let mut meters = SdkMeterProvider::builder().with_resource(resource);
        if let Some(endpoint) = &target.metrics {
            let metrics = MetricExporter::builder()
                .with_http()
                .with_protocol(Protocol::HttpBinary)
                .with_endpoint(endpoint.clone())
                .with_headers(headers)
                .build()
                .map_err(exporter_error(endpoint))?;
            meters = meters.with_periodic_exporter(metrics);
        }
        let meters = meters.build();
        let tracer = tracers.tracer("jig");
        let meter = meters.meter("jig");
        let instruments = Instruments {
            tokens: meter
                .u64_histogram("gen_ai.client.token.usage")
                .with_unit("{token}")
                .with_description("Number of input and output tokens used")
                .with_boundaries(vec![
                    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
                    16777216.0, 67108864.0,
                ])
                .build(),
            duration: meter
                .f64_histogram("gen_ai.client.operation.duration")
                .with_unit("s")
                .with_description("GenAI operation duration")
                .with_boundaries(vec![
                    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
                ])
                .build(),
            cost: meter
                .f64_counter("jig.usage.cost")
                .with_unit("USD")
                .with_description("What model requests cost, at the model's configured price")
                .build(),
            tool_errors: meter
                .u64_counter("jig.tool.errors")
                .with_unit("{call}")
                .with_description("Tool calls that ended in an error")
                .build(),
        };
        Ok(Telemetry {
            tracers,
            meters,
            tracer,
            instruments,
            capture_content,
        })
    }

    /// Sends every finished span and the metrics now; returns once the
    /// collector answered (or the export failed).
    pub fn flush(&self) -> Result<(), TelemetryError> {
        let spans = self.tracers.force_flush();
        let metrics = self.meters.force_flush();
        spans
            .and(metrics)
            .map_err(|err| TelemetryError::Export(err.to_string()))
    }

    fn shutdown(&self) -> Result<(), TelemetryError> {
        let spans = self.tracers.shutdown();
        let metrics = self.meters.shutdown();
        spans
            .and(metrics)
            .map_err(|err| TelemetryError::Export(err.to_string()))
    }
}

/// Flushes and stops every exporter this process built; later sessions
/// build new ones. Call it once the sessions have ended (their spans end
/// with them), outside an async context: it blocks until the export is done.
pub fn shutdown_all() -> Result<(), TelemetryError> {
    let taken = std::mem::take(&mut *PROCESS.lock().unwrap_or_else(|e| e.into_inner()));
    let mut result = Ok(());
    for (_, _, telemetry) in taken {
        if let Err(err) = telemetry.shutdown() {
            result = Err(err);
        }
    }
    result
}
