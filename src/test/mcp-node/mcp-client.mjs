// An agent host's MCP client: the official TypeScript SDK over streamable HTTP, the way desktop and
// IDE hosts use it. Driven by McpNodeClientTest; prints one JSON object per line on stdout.
//   MCP_URL    the gateway's /mcp
//   MCP_TOKEN  the agent's OIDC access token (absent for the no-token scenario)
//   MCP_SQL, MCP_PARAMS (JSON array)  for the query and held scenarios
// Scenarios: tools | query | held | no-token
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  discoverOAuthProtectedResourceMetadata,
  extractResourceMetadataUrl,
} from "@modelcontextprotocol/sdk/client/auth.js";

const url = new URL(process.env.MCP_URL);
const scenario = process.argv[2];
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const json = (result) => JSON.parse(result.content[0].text);

async function connect(token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  const client = new Client({ name: "pgwarden-node-agent", version: "4.5.6" });
  await client.connect(transport);
  return { client, transport };
}

async function close({ client, transport }) {
  await transport.terminateSession(); // DELETE: the gateway ends the listener session with it
  await client.close();
}

function queryArguments() {
  const args = { sql: process.env.MCP_SQL };
  if (process.env.MCP_PARAMS) {
    args.parameters = JSON.parse(process.env.MCP_PARAMS);
  }
  return args;
}

async function tools() {
  const session = await connect(process.env.MCP_TOKEN);
  const { tools } = await session.client.listTools();
  emit({ tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })) });
  await close(session);
}

async function query() {
  const session = await connect(process.env.MCP_TOKEN);
  const result = await session.client.callTool({ name: "query", arguments: queryArguments() });
  emit({ isError: result.isError === true, result: json(result) });
  await close(session);
}

// A statement the gateway holds: the host shows the progress messages (approval id, console link)
// while the call waits; if the wait ends first, the agent asks approval_status until decided.
async function held() {
  const session = await connect(process.env.MCP_TOKEN);
  const onprogress = (p) => emit({ event: "progress", progress: p.progress, message: p.message });
  const options = { onprogress, timeout: 120000, resetTimeoutOnProgress: true };
  let result = await session.client.callTool({ name: "query", arguments: queryArguments() }, undefined, options);
  let out = json(result);
  for (let i = 0; i < 60 && !result.isError && out.status === "pending_approval"; i++) {
    emit({ event: "pending", result: out });
    result = await session.client.callTool(
      { name: "approval_status", arguments: { approval_id: out.approval_id } }, undefined, options);
    out = json(result);
  }
  emit({ event: "done", isError: result.isError === true, result: out });
  await close(session);
}

// What a host does on a 401: read the resource metadata URL from WWW-Authenticate, fetch the
// metadata, find the issuer to run its OAuth flow with.
async function noToken() {
  let connectError = null;
  try {
    await connect(null);
  } catch (e) {
    connectError = { message: String(e && e.message ? e.message : e), code: e && e.code };
  }
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "probe", version: "1" } },
    }),
  });
  const resourceMetadataUrl = extractResourceMetadataUrl(response);
  const metadata = await discoverOAuthProtectedResourceMetadata(url, { resourceMetadataUrl });
  emit({
    connectError,
    status: response.status,
    wwwAuthenticate: response.headers.get("www-authenticate"),
    resourceMetadataUrl: resourceMetadataUrl ? String(resourceMetadataUrl) : null,
    metadata,
  });
}

const scenarios = { tools, query, held, "no-token": noToken };
if (!scenarios[scenario]) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
try {
  await scenarios[scenario]();
} catch (e) {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
}
