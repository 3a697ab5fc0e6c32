// jig acp against the official ACP TypeScript SDK's client
// (@agentclientprotocol/sdk, pinned in package.json): spawns `jig acp` with
// a scripted model and runs initialize → session/new → session/prompt (one
// command that asks permission, granted by option kind) → session/list,
// checking the updates and the stop reason as the SDK parsed them.
//
// Usage: node tests/npm/acp-client.mjs PATH/TO/jig
// Exits 0 when every check holds; otherwise says what failed and exits 1.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";

const jig = process.argv[2];
if (!jig) {
  console.error("usage: node tests/npm/acp-client.mjs PATH/TO/jig");
  process.exit(2);
}

const root = realpathSync(mkdtempSync(join(tmpdir(), "jig-acp-ts-")));
const ws = join(root, "ws");
const home = join(root, "home");
mkdirSync(ws);
mkdirSync(home);
const script = join(root, "script.toml");
writeFileSync(
  script,
  `
[[response]]
text = "Creating the file."
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch ts-approved.txt" }
[[response]]
text = "Done."
`,
);

function check(condition, what, detail) {
  if (!condition) {
    throw new Error(`${what}${detail === undefined ? "" : `: ${JSON.stringify(detail, null, 2)}`}`);
  }
}

const child = spawn(jig, ["acp", "-a", "untrusted", "--model", `scripted:${script}`], {
  cwd: ws,
  env: { ...process.env, JIG_HOME: home },
  stdio: ["pipe", "pipe", "inherit"],
});
const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));

const updates = [];
const asked = [];
const app = acp
  .client({ name: "jig-ts-check" })
  .onNotification(acp.methods.client.session.update, ({ params }) => {
    updates.push(params);
  })
  .onRequest(acp.methods.client.session.requestPermission, ({ params }) => {
    asked.push(params);
    const allow = params.options.find((option) => option.kind === "allow_once");
    return allow
      ? { outcome: { outcome: "selected", optionId: allow.optionId } }
      : { outcome: { outcome: "cancelled" } };
  });

const stream = acp.ndJsonStream(Writable.toWeb(child.stdin), Readable.toWeb(child.stdout));

let failure;
try {
  await app.connectWith(stream, async (agent) => {
    const init = await agent.request(acp.methods.agent.initialize, {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
    });
    check(init.protocolVersion === 1, "protocol version 1", init);
    check(init.agentInfo?.name === "jig", "agent info names jig", init);
    check(init.agentCapabilities?.loadSession === true, "loadSession is offered", init);

    const { sessionId } = await agent.request(acp.methods.agent.session.new, { cwd: ws, mcpServers: [] });
    check(typeof sessionId === "string" && sessionId.length > 0, "session/new gives an id", sessionId);

    const done = await agent.request(acp.methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: "text", text: "create the file" }],
    });
    check(done.stopReason === "end_turn", "the prompt ends with end_turn", done);

    check(updates.every((n) => n.sessionId === sessionId), "every update names the session", updates);
    const text = updates
      .filter((n) => n.update.sessionUpdate === "agent_message_chunk")
      .map((n) => n.update.content.text)
      .join("");
    check(text === "Creating the file.Done.", "the agent's message streams in chunks", text);
    const call = updates.find((n) => n.update.sessionUpdate === "tool_call")?.update;
    check(call?.kind === "execute" && call?.title === "touch ts-approved.txt", "the command is an execute call", call);
    const ended = updates.find(
      (n) => n.update.sessionUpdate === "tool_call_update" && n.update.status === "completed",
    )?.update;
    check(ended?.toolCallId === call.toolCallId, "the call completes", updates);
    const usage = updates.find((n) => n.update.sessionUpdate === "usage_update")?.update;
    check(usage?.used > 0 && usage?.size >= usage?.used, "usage: context used out of the window", usage);
    check(asked.length === 1 && asked[0].toolCall.toolCallId === call.toolCallId, "permission asked once, for the call", asked);
    check(existsSync(join(ws, "ts-approved.txt")), "the approved command ran");

    const listed = await agent.request(acp.methods.agent.session.list, { cwd: ws });
    check(listed.sessions.length === 1 && listed.sessions[0].sessionId === sessionId, "session/list has the session", listed);
  });
} catch (err) {
  failure = err;
}
child.stdin.end();
const { code, signal } = await exited;
rmSync(root, { recursive: true, force: true });
if (failure) {
  console.error(`acp-client: FAILED: ${failure.message ?? failure}`);
  process.exit(1);
}
if (code !== 0) {
  console.error(`acp-client: FAILED: jig acp exited with ${code ?? signal} after the client closed`);
  process.exit(1);
}
console.log(`acp-client: ok (${updates.length} updates, stop reason end_turn, @agentclientprotocol/sdk)`);
