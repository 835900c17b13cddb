/**
 * The scoring service: a model package behind HTTP/JSON (node:http), for systems in any language.
 *
 *   GET  /healthz    → { ok, jobId, modelType, formatVersion, featureNames, columns }
 *   POST /v1/score   { "applicants": [ { column: value, … }, … ], "reasons"?: k }
 *                    → { jobId, scaling, scores: [ { id, probability, points, reasons } ] }
 *
 * Bodies are checked with zod (./applicants.ts): a 400 names the applicant's index and field.
 * Bodies above the limit get 413, other paths 404, other methods 405, a missing or wrong bearer
 * token (when one is set) 401 on /v1/score. /healthz stays open for load balancers: it reveals
 * the model's id and its input names, nothing about applicants.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataError } from '../core/data/errors.ts';
import type { PointsScaling } from '../core/scorecard/points.ts';
import { applicantsFromObjects, describeIssues, scoreRequestSchema } from './applicants.ts';
import { loadModelPackage } from './package-load.ts';
import type { ModelPackage } from './package-load.ts';
import { DEFAULT_REASONS, scoreApplicants } from './score.ts';

/** Options of {@link startScoringService}. */
export interface ScoringServiceOptions {
  /** A loaded package, or the directory of one. */
  model: ModelPackage | string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port (0 = any free port). */
  port: number;
  /** When set, POST /v1/score needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most applicants per request (default 1,000). */
  maxApplicants?: number;
  /** Reason codes per applicant unless the request asks otherwise (default 4). */
  reasons?: number;
  scaling?: Partial<PointsScaling>;
}

/** A running service. */
export interface ScoringService {
  /** `http://host:port`. */
  url: string;
  port: number;
  model: ModelPackage;
  close(): Promise<void>;
}

/** An HTTP error with its status, message and, for bad bodies, the problems found. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads the body up to `limit` bytes; a larger one is a 413 (checked on Content-Length first). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new HttpError(413, `the body is ${declared} bytes, above the limit of ${limit}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `the body is above the limit of ${limit} bytes`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Starts the service; resolves once it listens. */
export async function startScoringService(o: ScoringServiceOptions): Promise<ScoringService> {
  const pkg = typeof o.model === 'string' ? await loadModelPackage(o.model) : o.model;
  const limit = o.maxBodyBytes ?? 1024 * 1024;
  const request = scoreRequestSchema(pkg.schema, o.maxApplicants ?? 1000);
  const tokenDigest = o.token !== undefined ? digest(o.token) : undefined;
  const health = {
    ok: true, jobId: pkg.metadata.jobId, modelType: pkg.metadata.modelType, formatVersion: pkg.metadata.formatVersion,
    featureNames: pkg.metadata.featureNames, columns: pkg.metadata.encodings.map((e) => e.column),
  };

  const score = async (req: IncomingMessage) => {
    if (tokenDigest) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!timingSafeEqual(digest(given), tokenDigest)) throw new HttpError(401, 'a valid bearer token is required (Authorization: Bearer <token>)');
    }
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, `the body must be JSON (Content-Type: application/json), got ${JSON.stringify(type)}`);
    const raw = await readBody(req, limit);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = request.safeParse(json);
    if (!parsed.success) {
      const problems = describeIssues(parsed.error);
      throw new HttpError(400, problems[0] ?? 'invalid body', problems);
    }
    const applicants = applicantsFromObjects(parsed.data.applicants, pkg.schema);
    const result = await scoreApplicants(pkg, applicants.table, { reasons: parsed.data.reasons ?? o.reasons ?? DEFAULT_REASONS, ids: applicants.ids, ...(o.scaling ? { scaling: o.scaling } : {}) });
    return { jobId: pkg.metadata.jobId, scaling: result.scaling, scores: result.scores, ...(applicants.warnings.length ? { warnings: applicants.warnings } : {}) };
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname === '/healthz' ? 'GET' : url.pathname === '/v1/score' ? 'POST' : undefined;
    if (!route) return send(res, 404, { error: `no such path: ${url.pathname} (GET /healthz, POST /v1/score)` });
    if (req.method !== route) return send(res, 405, { error: `${url.pathname} takes ${route}, not ${req.method}` }, { allow: route });
    if (route === 'GET') return send(res, 200, health);
    score(req).then(
      (body) => send(res, 200, body),
      (err: unknown) => {
        if (err instanceof HttpError) send(res, err.status, { error: err.message, ...(err.problems.length ? { problems: err.problems } : {}) }, err.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
        else if (err instanceof DataError) send(res, 400, { error: err.message, problems: err.problems });
        else send(res, 500, { error: `scoring failed: ${(err as Error).message}` });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`, port, model: pkg,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
