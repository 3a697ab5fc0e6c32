"""Runs one job of a GitHub Actions workflow on this machine, step by step.

What it keeps from GitHub's runner: `run:` steps go to `bash --noprofile
--norc -eo pipefail` (the workflow's `shell: bash`) in the workspace, with
the workflow's, job's and step's `env:`, `${{ }}` expressions substituted,
and GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY files read
back after each step; `if:` is evaluated with the step-status functions and
GitHub's loose comparisons; a failed step fails the job and later steps run
only when their `if:` says so. What it stands in for: `actions/checkout` (the
caller lays out the workspace first), `actions/cache` (a hit when its path
already holds files, as on a warm cache), `actions/upload-artifact` (copies
the paths into ARTIFACTS/NAME/, failing on a missing one when
`if-no-files-found: error`). Any other action is refused, so a new `uses:`
step cannot pass unchecked. Every `run:` step, skipped or not, is also
checked with `bash -n`.

Usage: gha-local.py WORKFLOW JOB --workspace DIR --temp DIR --home DIR
       --artifacts DIR --result FILE [--event NAME] [--input K=V]...
Prints one line per step; writes the steps and the job's outcome as JSON to
FILE. Exit 0 when the job ran to its end (whatever its outcome), 2 when the
workflow uses something this runner does not model.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml


class Unsupported(Exception):
    """The workflow uses something this runner does not model."""


# ---------------------------------------------------------------- expressions

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!().,])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def tokenize(text):
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"cannot read expression {text!r} at {text[pos:]!r}")
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            value = value[1:-1].replace("''", "'")
        tokens.append((kind, value))
        pos = m.end()
    return tokens


def to_number(v):
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        if v.strip() == "":
            return 0.0
        try:
            return float(v)
        except ValueError:
            return float("nan")
    return float("nan")


def loose_eq(a, b):
    """GitHub's `==`: strings compare case-insensitively; other types are
    coerced to numbers (null and '' are 0)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b):
        return a == b
    return to_number(a) == to_number(b)


def truthy(v):
    return not (v is None or v is False or v == "" or (isinstance(v, (int, float)) and v == 0))


class Expr:
    """A recursive-descent evaluator for the expression subset workflows use:
    literals, context paths (`steps.eval.outputs.run-id`), `!`, `==`, `!=`,
    `&&`, `||` (which return an operand, as GitHub's do), parentheses, and
    the status functions."""

    def __init__(self, text, contexts, status):
        self.tokens = tokenize(text)
        self.i = 0
        self.contexts = contexts
        self.status = status

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise Unsupported(f"expected {value!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def evaluate(self):
        v = self.or_()
        if self.i != len(self.tokens):
            raise Unsupported(f"unexpected {self.peek()[1]!r} in expression")
        return v

    def or_(self):
        v = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            rhs = self.and_()
            v = v if truthy(v) else rhs
        return v

    def and_(self):
        v = self.cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            rhs = self.cmp()
            v = rhs if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            rhs = self.unary()
            v = loose_eq(v, rhs) if op == "==" else not loose_eq(v, rhs)
        return v

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self):
        kind, value = self.take()
        if kind == "str":
            return value
        if kind == "num":
            return float(value)
        if (kind, value) == ("op", "("):
            v = self.or_()
            self.take(")")
            return v
        if kind != "name":
            raise Unsupported(f"unexpected {value!r} in expression")
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        if self.peek() == ("op", "("):
            self.take()
            self.take(")")
            if value not in self.status:
                raise Unsupported(f"function {value}() is not modelled")
            return self.status[value]
        if value not in self.contexts:
            raise Unsupported(f"context {value!r} is not modelled")
        v = self.contexts[value]
        while self.peek() == ("op", "."):
            self.take()
            key = self.take()[1]
            v = v.get(key) if isinstance(v, dict) else None
        return v


def as_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def substitute(text, contexts, status):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_text(Expr(m.group(1), contexts, status).evaluate()), str(text))


def condition(text, contexts, status):
    if text is None:
        return status["success"]
    text = str(text).strip()
    m = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    return truthy(Expr(m.group(1) if m else text, contexts, status).evaluate())


# ---------------------------------------------------------------- files

def read_kv_file(path):
    """GITHUB_OUTPUT / GITHUB_ENV: `name=value` lines and `name<<DELIM` blocks."""
    out = {}
    if not os.path.exists(path):
        return out
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            i += 1
            out[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        else:
            raise Unsupported(f"malformed line in {os.path.basename(path)}: {line!r}")
    return out


# ---------------------------------------------------------------- actions

def action_cache(with_, home, outputs):
    paths = [p.strip() for p in str(with_.get("path", "")).splitlines() if p.strip()]
    expanded = [home + p[1:] if p.startswith("~") else p for p in paths]
    hit = bool(paths) and all(os.path.isdir(p) and os.listdir(p) for p in expanded)
    outputs["cache-hit"] = "true" if hit else "false"
    return 0


def action_upload(with_, artifacts):
    name = with_.get("name", "artifact")
    dest = os.path.join(artifacts, name)
    os.makedirs(dest, exist_ok=True)
    missing = []
    for p in (p.strip() for p in str(with_.get("path", "")).splitlines()):
        if not p:
            continue
        if os.path.isfile(p):
            shutil.copy(p, dest)
        elif os.path.isdir(p):
            shutil.copytree(p, os.path.join(dest, os.path.basename(p)), dirs_exist_ok=True)
        else:
            missing.append(p)
    if missing and with_.get("if-no-files-found", "warn") == "error":
        print(f"    upload-artifact: no such file: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------- the job

def run_job(args):
    workflow = yaml.safe_load(open(args.workflow, encoding="utf-8"))
    job = workflow["jobs"][args.job]
    shell = ((job.get("defaults") or workflow.get("defaults") or {}).get("run") or {}).get("shell", "bash")
    if shell != "bash":
        raise Unsupported(f"shell {shell!r}")

    temp = args.temp
    inputs = dict(kv.split("=", 1) for kv in args.input)
    # on: is read by PyYAML as the boolean True key.
    triggers = workflow.get("on", workflow.get(True)) or {}
    dispatch = (triggers.get("workflow_dispatch") or {}).get("inputs") or {}
    for name, spec in dispatch.items():
        if args.event == "workflow_dispatch":
            inputs.setdefault(name, str((spec or {}).get("default", "")))
    unknown = set(inputs) - set(dispatch)
    if unknown:
        raise Unsupported(f"inputs the workflow does not declare: {sorted(unknown)}")
    if args.event != "workflow_dispatch":
        inputs = {}

    steps_ctx = {}
    runner = {"temp": temp, "os": "Linux"}
    github = {"workspace": args.workspace, "event_name": args.event}
    secrets = {name: "" for name in args.secret}
    env = {}
    contexts = {"inputs": inputs, "env": env, "steps": steps_ctx, "runner": runner, "github": github,
                "secrets": secrets}
    status = {"always": True, "cancelled": False, "success": True, "failure": False}

    def merge_env(block):
        for k, v in (block or {}).items():
            env[k] = substitute(v, contexts, status)

    merge_env(workflow.get("env"))
    merge_env(job.get("env"))
    path_extra = []
    results = []
    for n, step in enumerate(job["steps"]):
        name = step.get("name") or step.get("uses") or f"step {n}"
        sid = step.get("id", f"__{n}")
        outputs = {}
        steps_ctx[sid] = {"outputs": outputs, "outcome": None}
        if "run" in step:
            check = subprocess.run(["bash", "-n"], input=step["run"], text=True, capture_output=True)
            if check.returncode != 0:
                raise Unsupported(f"step {name!r} is not valid bash: {check.stderr.strip()}")
        if not condition(step.get("if"), contexts, status):
            print(f"  skipped  {name}")
            results.append({"name": name, "id": sid, "ran": False, "exit_code": None})
            continue
        step_env = dict(env)
        for k, v in (step.get("env") or {}).items():
            step_env[k] = substitute(v, contexts, status)
        if "uses" in step:
            action = step["uses"].split("@")[0]
            if "@" not in step["uses"]:
                raise Unsupported(f"action {step['uses']!r} has no version")
            with_ = {k: substitute(v, contexts, status) for k, v in (step.get("with") or {}).items()}
            if action == "actions/checkout":
                code = 0 if os.path.isdir(args.workspace) else 1
            elif action == "actions/cache":
                code = action_cache(with_, args.home, outputs)
            elif action == "actions/upload-artifact":
                code = action_upload(with_, args.artifacts)
            else:
                raise Unsupported(f"action {action} is not modelled")
        else:
            files = {k: os.path.join(temp, f"_{k.lower()}_{n}") for k in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")}
            for f in files.values():
                open(f, "w").close()
            summary = os.path.join(temp, "_step_summary")
            proc_env = {
                "PATH": os.pathsep.join(path_extra + [os.environ["PATH"]]),
                "HOME": args.home,
                "LANG": "C.UTF-8",
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKSPACE": args.workspace,
                "GITHUB_EVENT_NAME": args.event,
                "GITHUB_STEP_SUMMARY": summary,
                "RUNNER_TEMP": temp,
                "RUNNER_OS": "Linux",
                **{k: os.environ[k] for k in ("CARGO_HOME", "RUSTUP_HOME", "JIG_PYTHON", "TMPDIR") if k in os.environ},
                **files,
                **step_env,
            }
            with tempfile.NamedTemporaryFile("w", suffix=".sh", dir=temp, delete=False) as script:
                script.write(substitute(step["run"], contexts, status))
            cwd = step.get("working-directory", args.workspace)
            code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script.name],
                                  cwd=cwd, env=proc_env).returncode
            outputs.update(read_kv_file(files["GITHUB_OUTPUT"]))
            for k, v in read_kv_file(files["GITHUB_ENV"]).items():
                env[k] = v
            added = [p for p in open(files["GITHUB_PATH"]).read().splitlines() if p]
            path_extra = added[::-1] + path_extra
        ok = code == 0
        steps_ctx[sid]["outcome"] = "success" if ok else "failure"
        if not ok and not step.get("continue-on-error"):
            status["success"], status["failure"] = False, True
        print(f"  {'ok      ' if ok else 'FAILED  '} {name}" + ("" if ok else f" (exit {code})"))
        results.append({"name": name, "id": sid, "ran": True, "exit_code": code, "outputs": outputs})
    job_ok = status["success"]
    json.dump({"success": job_ok, "steps": results}, open(args.result, "w"), indent=2)
    print(f"  job {args.job}: {'success' if job_ok else 'failure'}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("workflow")
    p.add_argument("job")
    p.add_argument("--workspace", required=True)
    p.add_argument("--temp", required=True)
    p.add_argument("--home", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--result", required=True)
    p.add_argument("--event", default="pull_request")
    p.add_argument("--input", action="append", default=[])
    p.add_argument("--secret", action="append", default=[])
    args = p.parse_args()
    try:
        run_job(args)
    except Unsupported as e:
        print(f"gha-local: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
