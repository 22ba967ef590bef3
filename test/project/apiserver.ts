/**
 * A stand-in Kubernetes apiserver for the access key tests: just enough of the API for
 * kubectl 1.35 to run `exec` and `auth can-i` against it over TLS, with every decision
 * taken by a callback (the tests pass the project RBAC evaluator). It answers discovery,
 * GET of a pod, the exec WebSocket upgrade (protocol v5.channel.k8s.io: one stdout frame
 * naming the command, then a Success status) and SelfSubjectAccessReviews (kubectl sends
 * them as protobuf, decoded here field by field). Unknown bearer tokens get 401.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Principal } from "../../components/project/authorize";

/** What the stand-in asks: may `principal` do `verb` on `resource` (`pods/exec`) in `namespace`? */
export type Decide = (
  principal: Principal,
  attrs: { verb: string; resource: string; namespace: string; name?: string },
) => boolean;

/** A request as the stand-in saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization?: string;
}

/** A running stand-in. */
export interface ApiServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

/** Reads protobuf fields (wire types 0 and 2) of one message: field number -> values. */
function protobufFields(buf: Buffer): Map<number, (Buffer | number)[]> {
  const out = new Map<number, (Buffer | number)[]>();
  let i = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: Buffer | number;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = varint();
      value = buf.subarray(i, i + length);
      i += length;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const text = (fields: Map<number, (Buffer | number)[]>, n: number) => {
  const v = fields.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString("utf8") : "";
};

/** The resourceAttributes of a SelfSubjectAccessReview body (JSON, or protobuf in the `k8s\0` envelope). */
function accessReview(body: Buffer, contentType: string): Record<string, string> {
  if (contentType.includes("json")) {
    const review = JSON.parse(body.toString("utf8")) as { spec: { resourceAttributes: Record<string, string> } };
    return review.spec.resourceAttributes;
  }
  const unknown = protobufFields(body.subarray(4)); // runtime.Unknown after the magic bytes
  const review = protobufFields(unknown.get(2)?.[0] as Buffer); // raw
  const spec = protobufFields(review.get(2)?.[0] as Buffer);
  const attrs = protobufFields(spec.get(1)?.[0] as Buffer); // resourceAttributes
  const names = ["namespace", "verb", "group", "version", "resource", "subresource", "name"];
  return Object.fromEntries(names.map((name, k) => [name, text(attrs, k + 1)]));
}

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });

/** One WebSocket binary frame from the server (unmasked). */
function frame(payload: Buffer): Buffer {
  const header =
    payload.length < 126
      ? Buffer.from([0x82, payload.length])
      : Buffer.from([0x82, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

const DISCOVERY: Record<string, unknown> = {
  "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
  "/apis": {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [
      {
        name: "authorization.k8s.io",
        versions: [{ groupVersion: "authorization.k8s.io/v1", version: "v1" }],
        preferredVersion: { groupVersion: "authorization.k8s.io/v1", version: "v1" },
      },
    ],
  },
  "/api/v1": {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["get", "list"] },
      { name: "pods/exec", singularName: "", namespaced: true, kind: "PodExecOptions", verbs: ["create", "get"] },
    ],
  },
  "/apis/authorization.k8s.io/v1": {
    kind: "APIResourceList",
    groupVersion: "authorization.k8s.io/v1",
    resources: [
      {
        name: "selfsubjectaccessreviews",
        singularName: "selfsubjectaccessreview",
        namespaced: false,
        kind: "SelfSubjectAccessReview",
        verbs: ["create"],
      },
    ],
  },
};

const POD = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/exec)?$/;

/** Starts the stand-in on 127.0.0.1 with the given serving certificate. */
export async function startApiServer(options: {
  readonly cert: string;
  readonly key: string;
  readonly tokens: ReadonlyMap<string, Principal>;
  readonly decide: Decide;
}): Promise<ApiServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const principalOf = (authorization?: string) => options.tokens.get((authorization ?? "").replace(/^Bearer /, ""));
  const seen = (method: string, url: string, authorization?: string) => {
    const parsed = new URL(url, "https://127.0.0.1");
    requests.push({ method, path: parsed.pathname, query: parsed.searchParams, authorization });
    return parsed;
  };
  const forbidden = (p: Principal, verb: string, resource: string, ns: string) =>
    status(
      403,
      "Forbidden",
      `${resource} is forbidden: User "${p.username}" cannot ${verb} resource "${resource}" in API group "" in the namespace "${ns}"`,
    );

  const server: Server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = seen(req.method ?? "", req.url ?? "", req.headers.authorization);
      const send = (code: number, body: string) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(body);
      };
      const principal = principalOf(req.headers.authorization);
      if (principal === undefined) return send(401, status(401, "Unauthorized", "Unauthorized"));
      const path = url.pathname;
      if (DISCOVERY[path] !== undefined) return send(200, JSON.stringify(DISCOVERY[path]));
      if (path === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" && req.method === "POST") {
        const a = accessReview(Buffer.concat(chunks), req.headers["content-type"] ?? "");
        const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
        const allowed = options.decide(principal, {
          verb: a.verb,
          resource,
          namespace: a.namespace,
          name: a.name || undefined,
        });
        return send(
          201,
          JSON.stringify({
            kind: "SelfSubjectAccessReview",
            apiVersion: "authorization.k8s.io/v1",
            spec: { resourceAttributes: a },
            status: { allowed },
          }),
        );
      }
      const pod = POD.exec(path);
      if (pod && !pod[3] && req.method === "GET") {
        const [, ns, name] = pod;
        if (!options.decide(principal, { verb: "get", resource: "pods", namespace: ns, name }))
          return send(403, forbidden(principal, "get", "pods", ns));
        return send(
          200,
          JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, namespace: ns },
            spec: { containers: [{ name: "app", image: "app" }] },
            status: { phase: "Running" },
          }),
        );
      }
      send(404, status(404, "NotFound", `${path} not found`));
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("upgrade", (req, socket: Socket): void => {
    const url = seen(req.method ?? "", req.url ?? "", req.headers.authorization);
    const pod = POD.exec(url.pathname);
    const principal = principalOf(req.headers.authorization);
    const refuse = (code: number, body: string): void =>
      void socket.end(
        `HTTP/1.1 ${code} ${code === 401 ? "Unauthorized" : "Forbidden"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    if (principal === undefined) return refuse(401, status(401, "Unauthorized", "Unauthorized"));
    if (!pod || !pod[3]) return refuse(403, status(403, "Forbidden", "not an exec request"));
    const [, ns, name] = pod;
    // Since 1.35 the apiserver authorizes a WebSocket exec upgrade as `create` (AuthorizePodWebsocketUpgradeCreatePermission).
    if (!options.decide(principal, { verb: "create", resource: "pods/exec", namespace: ns, name }))
      return refuse(403, forbidden(principal, "create", "pods/exec", ns));
    const accept = createHash("sha1")
      .update(`${String(req.headers["sec-websocket-key"])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`,
    );
    const output = `ran in ${ns}/${name}: ${url.searchParams.getAll("command").join(" ")}\n`;
    socket.write(frame(Buffer.concat([Buffer.from([1]), Buffer.from(output)]))); // stdout
    socket.write(
      frame(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ metadata: {}, status: "Success" }))])),
    ); // error channel: success
    socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8])); // close, 1000
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
