//! The typed contents of `task.toml`, mirroring Harbor's `TaskConfig`
//! (`src/harbor/models/task/config.py`), plus jig's own `[jig]` table.
//!
//! Harbor's defaults are kept where Harbor has them (600 s for the verifier
//! and the build); where Harbor leaves a value unset (`agent.timeout_sec`,
//! the resource sizes in recent schema versions) the field is an `Option`.
//! Tables whose shape belongs to features a local runner does not use
//! (`[verifier.environment]`, `[environment.healthcheck]`, `tpu`,
//! `artifacts`) are kept as raw TOML so a task that uses them still loads.
//!
//! Invariant: deserialising never fails on an unknown key; [`super::Task::load`]
//! collects those keys so a typo can be reported as a warning. The one place
//! it refuses them instead is a `[jig.bad_scripts.NAME]` table: a misspelt
//! `breaks` or `reward` would silently hold the script to nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Harbor's default for `verifier.timeout_sec` and
/// `environment.build_timeout_sec`, in seconds.
pub const DEFAULT_TIMEOUT_SEC: f64 = 600.0;

fn default_timeout() -> f64 {
    DEFAULT_TIMEOUT_SEC
}

/// The whole of `task.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct TaskConfig {
    /// Format version (`schema_version`, or the older `version`).
    #[serde(alias = "version")]
    pub schema_version: Option<String>,
    /// Where the task came from (free text).
    pub source: Option<String>,
    /// The registry package (`[task]`); absent in older tasks.
    pub task: Option<PackageInfo>,
    /// Author-defined metadata (`difficulty`, `category`, `tags`, …), free-form.
    pub metadata: toml::Table,
    /// How the verifier (`tests/test.sh`) runs.
    pub verifier: VerifierConfig,
    /// How the agent runs.
    pub agent: AgentConfig,
    /// The container: image, resources, network.
    pub environment: EnvironmentConfig,
    /// How the oracle solution runs.
    pub solution: SolutionConfig,
    /// How per-step rewards combine in a multi-step task.
    pub multi_step_reward_strategy: Option<RewardStrategy>,
    /// The steps of a multi-step task (`[[steps]]`), in order.
    pub steps: Vec<StepConfig>,
    /// Files collected from the environment after the run (raw).
    pub artifacts: Vec<toml::Value>,
    /// jig's own settings (`[jig]`).
    pub jig: JigConfig,
}

/// `[task]`: the package's identity in a registry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PackageInfo {
    /// `org/name`.
    pub name: String,
    /// Package version.
    #[serde(default)]
    pub version: Option<String>,
    /// One-line description.
    #[serde(default)]
    pub description: String,
    /// Authors (`[[task.authors]]`).
    #[serde(default)]
    pub authors: Vec<Author>,
    /// Search keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// An author of a task.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Author {
    /// Name.
    pub name: String,
    /// Email, if given.
    #[serde(default)]
    pub email: Option<String>,
}

/// A user to run as: a name or a numeric id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum User {
    /// A user name.
    Name(String),
    /// A numeric uid.
    Id(i64),
}

/// Network access for a phase or the whole environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkMode {
    /// Full internet access.
    Public,
    /// No network at all.
    NoNetwork,
    /// Only `allowed_hosts`.
    Allowlist,
}

/// `[verifier]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct VerifierConfig {
    /// Seconds `tests/test.sh` may run (default 600).
    pub timeout_sec: f64,
    /// Environment variables for the verifier.
    pub env: BTreeMap<String, String>,
    /// User to run as; the image's default when unset.
    pub user: Option<User>,
    /// Network policy override for the verifier phase.
    pub network_mode: Option<NetworkMode>,
    /// Hosts reachable under `allowlist`.
    pub allowed_hosts: Option<Vec<String>>,
    /// `shared` (the agent's container) or `separate`.
    pub environment_mode: Option<String>,
    /// A separate verifier container's definition (raw).
    pub environment: Option<toml::Table>,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self {
            timeout_sec: default_timeout(),
            env: BTreeMap::new(),
            user: None,
            network_mode: None,
            allowed_hosts: None,
            environment_mode: None,
            environment: None,
        }
    }
}

/// `[agent]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct AgentConfig {
    /// Seconds the agent may run; the harness decides when unset.
    pub timeout_sec: Option<f64>,
    /// User to run as; the image's default when unset.
    pub user: Option<User>,
    /// Network policy override for the agent phase.
    pub network_mode: Option<NetworkMode>,
    /// Hosts reachable under `allowlist`.
    pub allowed_hosts: Option<Vec<String>>,
}

/// `[solution]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct SolutionConfig {
    /// Environment variables for `solution/solve.sh`.
    pub env: BTreeMap<String, String>,
}

/// `[environment]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct EnvironmentConfig {
    /// Seconds the image build may take (default 600).
    pub build_timeout_sec: f64,
    /// A prebuilt image; `environment/Dockerfile` is then optional.
    pub docker_image: Option<String>,
    /// `linux` (default) or `windows`.
    pub os: Option<String>,
    /// CPUs.
    pub cpus: Option<u32>,
    /// Memory in MB.
    pub memory_mb: Option<u64>,
    /// Disk in MB.
    pub storage_mb: Option<u64>,
    /// GPUs.
    pub gpus: Option<u32>,
    /// Acceptable GPU types; any when unset.
    pub gpu_types: Option<Vec<String>>,
    /// Deprecated form of `network_mode` (`false` is `no-network`).
    pub allow_internet: Option<bool>,
    /// Network policy of the environment.
    pub network_mode: Option<NetworkMode>,
    /// Hosts reachable under `allowlist`.
    pub allowed_hosts: Option<Vec<String>>,
    /// MCP servers offered to the agent.
    pub mcp_servers: Vec<McpServer>,
    /// Variables resolved from the host (`${VAR}`, `${VAR:-default}`).
    pub env: BTreeMap<String, String>,
    /// Directory of agent skills inside the environment.
    pub skills_dir: Option<String>,
    /// Working directory for commands; overrides the Dockerfile's `WORKDIR`.
    pub workdir: Option<String>,
    /// Readiness check after start (raw).
    pub healthcheck: Option<toml::Table>,
    /// TPU slice (raw).
    pub tpu: Option<toml::Table>,
    /// Deprecated size string (`"2G"`); use `memory_mb`.
    pub memory: Option<String>,
    /// Deprecated size string (`"10G"`); use `storage_mb`.
    pub storage: Option<String>,
}

impl Default for EnvironmentConfig {
    fn default() -> Self {
        Self {
            build_timeout_sec: default_timeout(),
            docker_image: None,
            os: None,
            cpus: None,
            memory_mb: None,
            storage_mb: None,
            gpus: None,
            gpu_types: None,
            allow_internet: None,
            network_mode: None,
            allowed_hosts: None,
            mcp_servers: Vec::new(),
            env: BTreeMap::new(),
            skills_dir: None,
            workdir: None,
            healthcheck: None,
            tpu: None,
            memory: None,
            storage: None,
        }
    }
}

/// `[[environment.mcp_servers]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct McpServer {
    /// Server name.
    pub name: String,
    /// `sse` (Harbor's default), `streamable-http` or `stdio`.
    #[serde(default)]
    pub transport: Option<String>,
    /// URL, for `sse` and `streamable-http`.
    #[serde(default)]
    pub url: Option<String>,
    /// Command, for `stdio`.
    #[serde(default)]
    pub command: Option<String>,
    /// Arguments, for `stdio`.
    #[serde(default)]
    pub args: Vec<String>,
}

/// How a multi-step task's rewards combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardStrategy {
    /// Per-key mean over the steps (Harbor's default).
    Mean,
    /// The last step's reward.
    Final,
}

/// `[[steps]]`: one step of a multi-step task, read from `steps/<name>/`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StepConfig {
    /// The step's directory name under `steps/`.
    pub name: String,
    /// Agent settings for this step.
    #[serde(default)]
    pub agent: AgentConfig,
    /// Verifier settings for this step.
    #[serde(default)]
    pub verifier: VerifierConfig,
    /// Stop the remaining steps when this step's reward is below this.
    #[serde(default)]
    pub min_reward: Option<MinReward>,
    /// Readiness check before this step (raw).
    #[serde(default)]
    pub healthcheck: Option<toml::Table>,
    /// Files collected after this step (raw).
    #[serde(default)]
    pub artifacts: Vec<toml::Value>,
}

/// A step's reward gate: one number for `reward`, or one per named reward.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MinReward {
    /// Gate on the `reward` key.
    Single(f64),
    /// Gate on each named key.
    Named(BTreeMap<String, f64>),
}

/// `[jig]`: jig's own settings for a task; Harbor ignores this table.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct JigConfig {
    /// Behaviour graders to apply, by trait name.
    pub graders: Vec<String>,
    /// Shell commands run after the verifier; each must exit 0.
    pub hidden_checks: Vec<String>,
    /// The LLM judge's rubric: one sentence, or `[[jig.rubric]]` criteria
    /// (see [`crate::judge::rubric`]).
    pub rubric: Option<crate::judge::RubricSpec>,
    /// A scripted-model TOML that solves the task, relative to the task directory.
    pub reference_script: Option<PathBuf>,
    /// Scripted models that must do badly, by name (`[jig.bad_scripts.NAME]`).
    pub bad_scripts: BTreeMap<String, BadScript>,
    /// What the `within_limits` trait holds a sample to (`[jig.limits]`).
    pub limits: TaskLimits,
    /// The simulated user of an interview task (`[jig.user]`).
    pub user: Option<crate::interview::UserConfig>,
}

/// `[jig.limits]`: the `within_limits` trait's bounds for this task; a
/// bound left out is not checked.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct TaskLimits {
    /// Most model requests in the whole session.
    pub max_model_requests: Option<u64>,
    /// Most model requests in one turn.
    pub max_requests_per_turn: Option<u64>,
    /// Most billed tokens (input + output).
    pub max_tokens: Option<u64>,
    /// Most cost in US dollars (needs a known price).
    pub max_cost_usd: Option<f64>,
}

/// `[jig.bad_scripts.NAME]`: a scripted model that behaves badly in a known
/// way, so a grader can be shown to catch it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BadScript {
    /// Scripted-model TOML, relative to the task directory.
    pub script: PathBuf,
    /// Traits this script must fail (each listed in the task's graders), by name.
    #[serde(default)]
    pub breaks: Vec<String>,
    /// The verifier reward it must get (default 1.0: bad behaviour, solved task).
    #[serde(default = "solved")]
    pub reward: f64,
}

/// The reward of a solved task, a bad script's default.
fn solved() -> f64 {
    1.0
}
