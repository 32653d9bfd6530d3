/**
 * deploy/kubernetes as an operator applies it: every manifest parses, uses the API versions
 * its kind has, and the fields that tie the pieces together agree (labels and selectors,
 * ports, probe paths the app serves, environment names the config loader reads, secret files
 * that exist in the Secret). The gateway's own YAML from the ConfigMap loads in production mode
 * with the Secret's files where the pod mounts them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { ENV_OVERRIDES, loadConfig } from '../../src/config/load.js';
import { HEALTH_PATH, READY_PATH } from '../../src/http/ops/health.js';
import { startGateway, UNREACHABLE_ODOO } from '../support/gateway.js';

const dir = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

type Manifest = Record<string, any> & { kind: string; apiVersion: string; metadata: { name: string; labels?: Record<string, string> } };

const API_VERSIONS: Record<string, string> = {
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  PodDisruptionBudget: 'policy/v1',
};

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const byFile = new Map<string, Manifest[]>();
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
  byFile.set(
    file,
    docs.map((doc) => {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      return doc.toJS() as Manifest;
    }),
  );
}
const all = [...byFile.values()].flat();
const one = (kind: string, name: string): Manifest => {
  const found = all.filter((m) => m.kind === kind && m.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

const gateway = one('Deployment', 'g2p-gateway');
const pod = gateway.spec.template.spec;
const container = pod.containers.find((c: any) => c.name === 'gateway');
const configMap = one('ConfigMap', 'g2p-gateway-config');
const secret = one('Secret', 'g2p-gateway-secrets');
const env = new Map<string, string>(container.env.map((e: any) => [e.name, e.value]));
const mountOf = (volumeName: string): string => container.volumeMounts.find((m: any) => m.name === volumeName).mountPath;
const volumeFor = (path: string) => {
  const mount = container.volumeMounts.find((m: any) => posix.dirname(path) === m.mountPath);
  return mount ? pod.volumes.find((v: any) => v.name === mount.name) : undefined;
};

t.test('every manifest parses, with the apiVersion of its kind; the kustomization lists them all', async (t) => {
  t.ok(files.length >= 6, `${files.length} files`);
  for (const manifest of all) {
    t.ok(API_VERSIONS[manifest.kind], `${manifest.kind} is a kind this test knows`);
    t.equal(manifest.apiVersion, API_VERSIONS[manifest.kind], `${manifest.kind} ${manifest.metadata?.name ?? ''}: apiVersion`);
    if (manifest.kind !== 'Kustomization')
      t.match(manifest.metadata.labels, { 'app.kubernetes.io/name': 'g2p-gateway' }, `${manifest.kind} ${manifest.metadata.name}: labelled`);
  }
  const kustomization = all.find((m) => m.kind === 'Kustomization')!;
  t.same([...kustomization.resources].sort(), files.filter((f) => f !== 'kustomization.yaml').sort(), 'kustomization.yaml lists every other manifest');
});

t.test('the gateway: three replicas, selectors that match, a PDB that leaves room, a Service on the named port', async (t) => {
  const podLabels = gateway.spec.template.metadata.labels;
  t.equal(gateway.spec.replicas, 3);
  t.ok(matches(gateway.spec.selector.matchLabels, podLabels), 'Deployment selector matches its pods');
  const service = one('Service', 'g2p-gateway');
  t.ok(matches(service.spec.selector, podLabels), 'Service selects the gateway pods');
  const redisPods = one('StatefulSet', 'g2p-gateway-redis').spec.template.metadata.labels;
  t.notOk(matches(service.spec.selector, redisPods), 'and not the Redis pod');
  const pdb = one('PodDisruptionBudget', 'g2p-gateway');
  t.ok(matches(pdb.spec.selector.matchLabels, podLabels), 'PDB selects the gateway pods');
  t.ok(pdb.spec.minAvailable >= 1 && pdb.spec.minAvailable < gateway.spec.replicas, 'PDB keeps some replicas and still lets a node drain');
  const portNames = new Set(container.ports.map((p: any) => p.name));
  for (const port of service.spec.ports) t.ok(portNames.has(port.targetPort), `Service port ${port.name} targets a container port (${port.targetPort})`);
  t.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory, 'resource requests and limits');
  t.ok(pod.terminationGracePeriodSeconds * 1000 > 20_000, 'the pod grace period outlasts server.shutdownGraceMs');
});

t.test('probes use paths the app serves, on its port', async (t) => {
  t.equal(container.livenessProbe.httpGet.path, HEALTH_PATH);
  t.equal(container.startupProbe.httpGet.path, HEALTH_PATH);
  t.equal(container.readinessProbe.httpGet.path, READY_PATH);
  const http = container.ports.find((p: any) => p.name === container.readinessProbe.httpGet.port);
  t.equal(String(http.containerPort), env.get('PORT'), 'the probed port is the one PORT makes the gateway listen on');
  const gateway = await startGateway(t, { odoo: UNREACHABLE_ODOO, config: { readiness: { timeoutMs: 200 } } });
  for (const probe of [container.livenessProbe, container.readinessProbe]) {
    const response = await gateway.request('GET', probe.httpGet.path);
    t.not(response.status, 404, `${probe.httpGet.path} is a route of the app (${response.status})`);
  }
});

t.test('environment names are ones the config loader reads; *_FILE and config files point at mounted keys', async (t) => {
  const known = new Set(['NODE_ENV', 'G2P_CONFIG', ...ENV_OVERRIDES.flatMap((o) => [o.name, `${o.name}_FILE`])]);
  for (const name of env.keys()) t.ok(known.has(name), `${name} is read by the loader`);
  const secretKeys = new Set(Object.keys(secret.stringData));
  for (const [name, value] of env) {
    if (!name.endsWith('_FILE')) continue;
    const volume = volumeFor(value);
    t.equal(volume?.secret?.secretName, secret.metadata.name, `${name}: its folder is the Secret's mount`);
    t.ok(secretKeys.has(posix.basename(value)), `${name}: the Secret has ${posix.basename(value)}`);
  }
  const configPath = env.get('G2P_CONFIG')!;
  t.equal(posix.dirname(configPath), mountOf('config'), 'G2P_CONFIG is in the ConfigMap mount');
  t.ok(configMap.data[posix.basename(configPath)], 'and the ConfigMap has that file');
  const fileRefs = [...configMap.data[posix.basename(configPath)].matchAll(/\{ file: ([^ }]+) \}/g)].map((m) => m[1]!);
  for (const ref of fileRefs) t.ok(volumeFor(ref)?.secret && secretKeys.has(posix.basename(ref)), `${ref} is a key of the mounted Secret`);
  for (const e of one('StatefulSet', 'g2p-gateway-redis').spec.template.spec.containers[0].env) {
    if (e.valueFrom?.secretKeyRef) t.ok(secretKeys.has(e.valueFrom.secretKeyRef.key), `redis: ${e.name} comes from an existing Secret key`);
  }
});

t.test('the ConfigMap configuration loads in production with the Secret mounted; Redis is the Service the URL names', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'g2p-deploy-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  // The pod's mounts, under a temp folder.
  const secretsDir = join(root, 'secrets');
  mkdirSync(secretsDir);
  for (const [key, value] of Object.entries<string>(secret.stringData)) writeFileSync(join(secretsDir, key), value);
  const configDir = join(root, 'config');
  mkdirSync(configDir);
  const secretsMount = mountOf('secrets');
  for (const [key, value] of Object.entries<string>(configMap.data)) writeFileSync(join(configDir, key), value.replaceAll(secretsMount, secretsDir));
  const podEnv: Record<string, string> = {};
  for (const [name, value] of env) podEnv[name] = value.replace(secretsMount, secretsDir).replace(mountOf('config'), configDir);
  const config = loadConfig({ env: podEnv, cwd: root });
  t.equal(config.nodeEnv, 'production');
  t.equal(config.sandboxMode, false);
  t.equal(config.server.port, Number(env.get('PORT')));
  t.equal(config.odoo!.accounts.default.password, secret.stringData['odoo-password'], 'the Odoo password from ODOO_PASSWORD_FILE');
  t.equal(config.redis.url, secret.stringData['redis-url'], 'the Redis URL from REDIS_URL_FILE');
  t.ok(config.metrics.token, 'the metrics token from its file');
  const redisUrl = new URL(config.redis.url!);
  const redisService = one('Service', 'g2p-gateway-redis');
  t.equal(redisUrl.hostname, redisService.metadata.name, 'the URL names the Redis Service');
  t.equal(Number(redisUrl.port), redisService.spec.ports[0].port, 'on its port');
  const redis = one('StatefulSet', 'g2p-gateway-redis');
  t.ok(matches(redisService.spec.selector, redis.spec.template.metadata.labels), 'which selects the Redis pod');
  t.match(redis.spec.template.spec.containers[0].command.join(' '), /--appendonly yes/, 'Redis persists (leases and keys survive its restart)');
  const metricsPort = container.ports.find((p: any) => p.name === 'metrics').containerPort;
  t.equal(config.metrics.port, metricsPort, 'metrics listen on the container port named metrics');
});
