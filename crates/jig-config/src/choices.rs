//! The closed sets of words a config file may use: provider kinds, dialects,
//! preambles, reasoning efforts.
//!
//! Invariant: each enum's spelling in TOML is its [`as_str`](Dialect::as_str)
//! text, and an unknown word fails deserialisation with a message that names
//! the setting and lists every valid choice. These types carry no behaviour;
//! what a dialect *means* belongs to `jig-model`.

use std::fmt;
use std::str::FromStr;

/// A word that is not one of an enum's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownChoice {
    /// What was being chosen (`dialect`, `provider kind`, …).
    pub what: &'static str,
    /// The word given.
    pub value: String,
    /// Every valid word, in declaration order.
    pub choices: &'static [&'static str],
}

impl fmt::Display for UnknownChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} \"{}\"; valid choices: {}",
            self.what,
            crate::error::clip(&self.value, crate::error::ECHO_LIMIT),
            self.choices.join(", ")
        )
    }
}

impl std::error::Error for UnknownChoice {}

macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every valid spelling, in declaration order.
            pub const CHOICES: &'static [&'static str] = &[$($text),+];

            /// The spelling used in config files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownChoice;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    other => Err(UnknownChoice {
                        what: $what,
                        value: other.to_owned(),
                        choices: Self::CHOICES,
                    }),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let word = <String as serde::Deserialize>::deserialize(d)?;
                word.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

choice_enum! {
    /// The wire protocol a provider speaks.
    ProviderKind, "provider kind" {
        /// OpenAI Responses API.
        OpenAi => "openai",
        /// Anthropic Messages API.
        Anthropic => "anthropic",
        /// Any chat-completions server (vLLM, llama.cpp, Ollama, …).
        Chat => "chat",
    }
}

choice_enum! {
    /// How tools and messages are phrased for a model family.
    Dialect, "dialect" {
        /// OpenAI Codex models.
        Codex => "codex",
        /// Older Codex models.
        CodexLegacy => "codex-legacy",
        /// Anthropic Claude models.
        Claude => "claude",
        /// Anything else.
        Generic => "generic",
    }
}

choice_enum! {
    /// How much system-prompt preamble a model gets.
    Preamble, "preamble" {
        /// No preamble.
        None => "none",
        /// A short preamble.
        Brief => "brief",
        /// The full preamble.
        Detailed => "detailed",
    }
}

choice_enum! {
    /// When jig asks a person before running a command.
    ApprovalPolicy, "approval policy" {
        /// Never ask: everything runs in the sandbox; failures go back to the model.
        Never => "never",
        /// Run in the sandbox; ask to run again outside it when the sandbox blocked it.
        OnFailure => "on-failure",
        /// Ask when the model requests to run outside the sandbox, or a rule says prompt.
        OnRequest => "on-request",
        /// Ask for everything but known-safe read-only commands.
        Untrusted => "untrusted",
    }
}

choice_enum! {
    /// What commands may touch.
    SandboxMode, "sandbox mode" {
        /// Read anywhere, write nowhere, no network.
        ReadOnly => "read-only",
        /// Read anywhere, write the workspace and temp dirs, no network.
        WorkspaceWrite => "workspace-write",
        /// No sandbox.
        DangerFullAccess => "danger-full-access",
    }
}

choice_enum! {
    /// Reasoning effort requested from models that support it.
    ReasoningEffort, "reasoning effort" {
        /// Minimal.
        Minimal => "minimal",
        /// Low.
        Low => "low",
        /// Medium.
        Medium => "medium",
        /// High.
        High => "high",
    }
}

choice_enum! {
    /// The user's decision about a project, recorded in the user config as
    /// `[projects."/abs/path"] trust = "trusted"`.
    TrustLevel, "trust level" {
        /// The project's config and rules apply in full.
        Trusted => "trusted",
        /// The project may only set harmless keys and tighten limits; the user said so (jig does not ask again).
        Untrusted => "untrusted",
    }
}
