/**
 * A stand-in for Harbor's REST API v2.0 over HTTPS on 127.0.4.1: records every request
 * (method, path with query, JSON body) and keeps the minimal state the platform's API
 * script reads and writes (registries, replication policies and executions, projects,
 * robots), answering as Harbor does (status codes, list shapes, robot name format).
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the stand-in received it. */
export interface RecordedCall {
  readonly method: string;
  /** Path including the query string, exactly as sent. */
  readonly path: string;
  readonly body?: unknown;
}

type Item = Record<string, unknown> & { id: number };

/** The emulated Harbor state. */
export interface HarborState {
  registries: Item[];
  policies: Item[];
  executions: Item[];
  projects: Item[];
  robots: Item[];
}

export class HarborStandIn {
  readonly calls: RecordedCall[] = [];
  readonly state: HarborState = { registries: [], policies: [], executions: [], projects: [], robots: [] };
  /** What GET /api/v2.0/health reports (Harbor answers it without credentials). */
  health: "healthy" | "unhealthy" = "healthy";
  private server?: Server;
  private nextId = 1;

  constructor(
    private readonly tls: { cert: string; key: string },
    private readonly adminPassword: string,
  ) {}

  /** Listens on 127.0.4.1 (an ephemeral port); returns the base URL. */
  async start(): Promise<string> {
    const server = createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.4.1", () => resolve());
    });
    return `https://127.0.4.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const method = req.method ?? "";
    const path = req.url ?? "";
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return this.reply(res, 400, { errors: [{ code: "BAD_REQUEST", message: "invalid JSON" }] });
    }
    this.calls.push(body === undefined ? { method, path } : { method, path, body });
    if (method === "GET" && path === "/api/v2.0/health") {
      const components = [
        { name: "core", status: "healthy" },
        { name: "registry", status: this.health },
      ];
      return this.reply(res, 200, { status: this.health, components });
    }
    const expected = `Basic ${Buffer.from(`admin:${this.adminPassword}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return this.reply(res, 401, { errors: [{ code: "UNAUTHORIZED" }] });
    const url = new URL(path, "https://stand-in");
    const q = parseQ(url.searchParams.get("q") ?? "");
    const b = (body ?? {}) as Record<string, unknown>;
    const route = `${method} ${url.pathname}`;
    let m: RegExpMatchArray | null;

    if (route === "GET /api/v2.0/registries") return this.reply(res, 200, filter(this.state.registries, q));
    if (route === "POST /api/v2.0/registries") return this.create(res, this.state.registries, b, "name");
    if (route === "GET /api/v2.0/replication/policies") return this.reply(res, 200, filter(this.state.policies, q));
    if (route === "POST /api/v2.0/replication/policies") return this.create(res, this.state.policies, b, "name");
    if (route === "POST /api/v2.0/replication/executions") return this.create(res, this.state.executions, b);
    if (route === "HEAD /api/v2.0/projects") {
      const name = url.searchParams.get("project_name");
      return this.reply(res, this.state.projects.some((p) => p.name === name) ? 200 : 404);
    }
    if (route === "POST /api/v2.0/projects") {
      return this.create(res, this.state.projects, { name: b.project_name, metadata: b.metadata }, "name");
    }
    if (method === "GET" && (m = url.pathname.match(/^\/api\/v2\.0\/projects\/([^/]+)$/))) {
      const project = this.state.projects.find((p) => p.name === decodeURIComponent(m![1]));
      return project ? this.reply(res, 200, { ...project, project_id: project.id }) : this.reply(res, 404);
    }
    if (route === "GET /api/v2.0/robots") {
      const level = q.Level;
      const projectId = Number(q.ProjectID);
      return this.reply(
        res,
        200,
        this.state.robots
          .filter((r) => r.level === level && r.project_id === projectId)
          .map(({ secret: _s, ...r }) => r),
      );
    }
    if (route === "POST /api/v2.0/robots") {
      const permissions = (b.permissions ?? []) as { namespace: string }[];
      const project = this.state.projects.find((p) => p.name === permissions[0]?.namespace);
      if (!project) return this.reply(res, 400, { errors: [{ code: "BAD_REQUEST", message: "no such project" }] });
      const name = `robot$${project.name}+${String(b.name)}`;
      if (this.state.robots.some((r) => r.name === name))
        return this.reply(res, 409, { errors: [{ code: "CONFLICT" }] });
      // As Harbor 2.14 does: the request's secret is ignored, a random one is generated and
      // returned with the id (handler/robot.go CreateRobot, controller/robot Create).
      const id = this.nextId++;
      const secret = randomBytes(16).toString("hex");
      this.state.robots.push({ ...b, name, secret, project_id: project.id, id });
      res.setHeader("Location", `/api/v2.0/robots/${id}`);
      return this.reply(res, 201, { id, name, secret });
    }
    if (method === "PATCH" && (m = url.pathname.match(/^\/api\/v2\.0\/robots\/(\d+)$/))) {
      const robot = this.state.robots.find((r) => r.id === Number(m![1]));
      if (!robot) return this.reply(res, 404);
      robot.secret = b.secret;
      return this.reply(res, 200, { secret: b.secret });
    }
    return this.reply(res, 404, { errors: [{ code: "NOT_FOUND", message: route }] });
  }

  private create(res: ServerResponse, list: Item[], item: Record<string, unknown>, unique?: string): void {
    if (unique && list.some((x) => x[unique] === item[unique]))
      return this.reply(res, 409, { errors: [{ code: "CONFLICT" }] });
    const id = this.nextId++;
    list.push({ ...item, id });
    res.setHeader("Location", `/api/v2.0/x/${id}`);
    this.reply(res, 201);
  }

  private reply(res: ServerResponse, status: number, body?: unknown): void {
    res.statusCode = status;
    if (body === undefined) return void res.end();
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(body));
  }
}

/** Harbor's `q=k1=v1,k2=v2` exact-match query. */
function parseQ(q: string): Record<string, string> {
  return Object.fromEntries(
    q
      .split(",")
      .filter(Boolean)
      .map((kv) => {
        const i = kv.indexOf("=");
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
  );
}

function filter(list: Item[], q: Record<string, string>): Item[] {
  return list.filter((item) => Object.entries(q).every(([k, v]) => String(item[k]) === v));
}
