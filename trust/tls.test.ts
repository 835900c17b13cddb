/**
 * Mutual TLS end to end: a real grpc-js server on 127.0.0.1 with the coordinator's credentials
 * admits only clients holding a certificate of its own consortium, and tells the handler who they
 * are; certificates made with the openssl recipe (examples/consortium/openssl-certs.sh) work too.
 */
import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsortium } from './certs.ts';
import { loadCredentials, operatorTokenHash, type Credentials } from './files.ts';
import { identityFileFromSeed, type Roster } from './format.ts';
import { addressOfServerName, clientCredentials, peerCommonName, serverCredentials, serverNameFor, tlsChannelOptions } from './tls.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'consortium', 'openssl-certs.sh');
const id = (b: Buffer) => b;
/** A one-method service whose reply is the caller's certificate CN as peerCommonName sees it. */
const WhoAmI = {
  whoAmI: {
    path: '/fedcredit.test.Echo/WhoAmI', requestStream: false, responseStream: false,
    requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id,
  },
} satisfies grpc.ServiceDefinition;
const WhoAmIClient = grpc.makeGenericClientConstructor(WhoAmI, 'Echo');

let tmp: string;
const servers: grpc.Server[] = [];

async function startServer(c: Credentials): Promise<string> {
  const server = new grpc.Server();
  server.addService(WhoAmI, {
    whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(peerCommonName(call) ?? '(none)')),
  });
  servers.push(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials(c), (err, p) => (err ? reject(err) : resolve(p))));
  return `127.0.0.1:${port}`;
}

/** One call; resolves to the reply text or the gRPC status code of the failure. */
async function whoAmI(address: string, creds: grpc.ChannelCredentials): Promise<{ cn?: string; code?: grpc.status }> {
  const client = new WhoAmIClient(address, creds, tlsChannelOptions(address));
  try {
    return await new Promise((resolve) => {
      client.makeUnaryRequest('/fedcredit.test.Echo/WhoAmI', id, id, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (err, res) =>
        resolve(err ? { code: err.code } : { cn: res?.toString() }));
    });
  } finally {
    client.close();
  }
}

let a: string; // consortium A
let b: string; // another consortium
let coordA: string; // address of the server with A's coordinator credentials

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fedcredit-tls-'));
  a = path.join(tmp, 'a');
  b = path.join(tmp, 'b');
  await createConsortium({ out: a, participants: [{ name: 'alice', role: 'bank' }, { name: 'bob', role: 'platform' }], operators: ['ops'] });
  await createConsortium({ out: b, participants: [{ name: 'alice', role: 'bank' }] });
  coordA = await startServer(loadCredentials(path.join(a, 'coordinator'), 'coordinator'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.tryShutdown(() => resolve()))));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('dialling a coordinator by IP address', () => {
  it('sends a host name as the TLS server name (no DEP0123 warning) and still checks the address against the certificate', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? w.name);
    process.on('warning', onWarning);
    try {
      const alice = clientCredentials(loadCredentials(path.join(a, 'participants', 'alice'), 'participant'));
      const call = (address: string) => {
        const client = new WhoAmIClient(address, alice, tlsChannelOptions(address));
        return new Promise<{ cn?: string; code?: grpc.status }>((resolve) => {
          client.makeUnaryRequest('/fedcredit.test.Echo/WhoAmI', id, id, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (err, res) => {
            client.close();
            resolve(err ? { code: err.code } : { cn: res?.toString() });
          });
        });
      };
      expect(await call(coordA)).toEqual({ cn: 'alice' });
      // A coordinator certificate that names only a host name does not pass for 127.0.0.1.
      const named = path.join(tmp, 'named');
      await createConsortium({ out: named, participants: [{ name: 'alice', role: 'bank' }], hosts: ['coordinator.example'] });
      const server = await startServer(loadCredentials(path.join(named, 'coordinator'), 'coordinator'));
      const client = new WhoAmIClient(server, clientCredentials(loadCredentials(path.join(named, 'participants', 'alice'), 'participant')), tlsChannelOptions(server));
      const refused = await new Promise<grpc.status | undefined>((resolve) =>
        client.makeUnaryRequest('/fedcredit.test.Echo/WhoAmI', id, id, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (err) => resolve(err?.code)));
      client.close();
      expect(refused).toBe(grpc.status.UNAVAILABLE);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w === 'DEP0123')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
    expect(addressOfServerName(serverNameFor('::1'))).toBe('::1');
    expect(addressOfServerName('coordinator.example')).toBeUndefined();
    expect(tlsChannelOptions('coordinator.example:7070')).toEqual({});
    expect(tlsChannelOptions('[::1]:7070')).toEqual({ 'grpc.ssl_target_name_override': serverNameFor('::1') });
  });
});

describe('mutual TLS with generated credentials', () => {
  it('admits a participant and reports its certificate CN', async () => {
    expect(await whoAmI(coordA, clientCredentials(loadCredentials(path.join(a, 'participants', 'alice'), 'participant')))).toEqual({ cn: 'alice' });
    expect(await whoAmI(coordA, clientCredentials(loadCredentials(path.join(a, 'participants', 'bob'), 'participant')))).toEqual({ cn: 'bob' });
  });

  it('admits an operator', async () => {
    expect(await whoAmI(coordA, clientCredentials(loadCredentials(path.join(a, 'operators', 'ops'), 'operator')))).toEqual({ cn: 'ops' });
  });

  it('rejects a client certificate from another consortium, even when the client trusts our CA', async () => {
    const other = loadCredentials(path.join(b, 'participants', 'alice'), 'participant');
    const ours = loadCredentials(path.join(a, 'participants', 'alice'), 'participant');
    expect(await whoAmI(coordA, clientCredentials({ ...other, ca: ours.ca }))).toEqual({ code: grpc.status.UNAVAILABLE });
    expect(await whoAmI(coordA, clientCredentials(other))).toEqual({ code: grpc.status.UNAVAILABLE });
  });

  it('rejects a TLS client without a certificate', async () => {
    const ours = loadCredentials(path.join(a, 'participants', 'alice'), 'participant');
    expect(await whoAmI(coordA, grpc.credentials.createSsl(ours.ca))).toEqual({ code: grpc.status.UNAVAILABLE });
  });

  it('rejects a plaintext client', async () => {
    expect(await whoAmI(coordA, grpc.credentials.createInsecure())).toEqual({ code: grpc.status.UNAVAILABLE });
  });

  it('rejects a certificate that is not for client authentication (the coordinator\'s own)', async () => {
    const coord = loadCredentials(path.join(a, 'coordinator'), 'coordinator');
    expect(await whoAmI(coordA, clientCredentials(coord))).toEqual({ code: grpc.status.UNAVAILABLE });
  });

  it('peerCommonName is undefined without an auth context or certificate', () => {
    expect(peerCommonName({})).toBeUndefined();
    expect(peerCommonName({ getAuthContext: () => null })).toBeUndefined();
    expect(peerCommonName({ getAuthContext: () => ({}) })).toBeUndefined();
  });
});

describe('certificates made with examples/consortium/openssl-certs.sh', () => {
  it('load with loadCredentials and complete the mTLS call', async () => {
    const dir = path.join(tmp, 'openssl');
    execFileSync('sh', [SCRIPT, dir, 'carol', 'dave'], { env: { ...process.env, OPERATOR: 'ops', CONSORTIUM: 'openssl-test' }, stdio: 'pipe' });
    // The script makes only the X.509 part and the token: write identities and the roster here.
    const ids = ['carol', 'dave'].map((n) => identityFileFromSeed(n, 'bank', randomBytes(32)));
    const token = fs.readFileSync(path.join(dir, 'operators', 'ops', 'token'), 'utf8').trim();
    const roster: Roster = {
      format: 'fedcredit-roster', version: 1, consortium: 'openssl-test',
      members: ids.map((f) => ({ name: f.name, role: f.role, publicKey: f.publicKey })),
      operators: [{ name: 'ops', tokenSha256: operatorTokenHash(token) }],
    };
    const json = JSON.stringify(roster);
    fs.writeFileSync(path.join(dir, 'coordinator', 'roster.json'), json);
    for (const f of ids) {
      fs.writeFileSync(path.join(dir, 'participants', f.name, 'identity.json'), JSON.stringify(f), { mode: 0o600 });
      fs.writeFileSync(path.join(dir, 'participants', f.name, 'roster.json'), json);
    }
    const address = await startServer(loadCredentials(path.join(dir, 'coordinator'), 'coordinator'));
    const carol = loadCredentials(path.join(dir, 'participants', 'carol'), 'participant');
    expect(carol.commonName).toBe('carol');
    expect(await whoAmI(address, clientCredentials(carol))).toEqual({ cn: 'carol' });
    const ops = loadCredentials(path.join(dir, 'operators', 'ops'), 'operator');
    expect(ops.token).toBe(token);
    expect(await whoAmI(address, clientCredentials(ops))).toEqual({ cn: 'ops' });
    // The two consortia do not trust each other.
    expect(await whoAmI(coordA, clientCredentials({ ...carol, ca: loadCredentials(path.join(a, 'coordinator'), 'coordinator').ca }))).toEqual({ code: grpc.status.UNAVAILABLE });
  });
});
