/**
 * The composition root of `vigil serve`: builds every dependency once and wires them.
 * Nothing else in the daemon constructs a store, a client set or a timer source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClients, executeCheck } from '../check/index.js';
import { warmUpExecutor } from '../check/warm-up/warm-up.js';
import { createAlertDispatcher, REMOVED_CHANNEL_ERROR, type ChannelChange, type DispatchChannel } from '../alerts/alert-dispatcher.js';
import { createWebhookSender } from '../alerts/webhook-sender.js';
import { createChannelSender } from '../alerts/channels/index.js';
import { parseDaemonConfig, ConfigFileError, type DaemonConfig } from '../config/daemon-config.js';
import type { TargetDefinition } from '../config/target-definition.js';
import { listenApi, type ApiListener, type ApiServer } from '../api/server.js';
import type { ApiToken, HostRule } from '../config/api-settings.js';
import { ResultBatcher } from '../pipeline/result-batcher.js';
import { createCircuitBreaker, type CircuitBreakerConfig } from '../resilience/circuit-breaker.js';
import { createSystemClock, type Clock } from '../scheduler/clock.js';
import { startStorageMaintenance, type MaintenanceReport, type StorageMaintenance } from '../storage/maintenance.js';
import { isPostgresOutage } from '../storage/postgres/pg-connection.js';
import type { Store } from '../storage/store.js';
import type { ConfigApplyReport } from './config-apply.js';
import { createPrivateFile, secureDataDir } from './data-dir-permissions.js';
import { ensureDataDir, lockDataDir } from './data-dir.js';
import { Daemon } from './daemon.js';
import { createIncidentPort } from './incident-adapter.js';
import type { Logger } from './logger.js';
import { startLoopDelaySampler } from './loop-delay.js';
import { expandSelfReferences, type SelfAddress } from './self-address.js';
import { openDaemonStore, waitForPostgres, type DaemonStore } from './store-connect.js';
import { hostname } from 'node:os';
import { DEFAULT_LEASE_MS, ShardLeaser, shardOf } from '../cluster/shard-leaser.js';
import { createRegionalIncidentPort } from '../cluster/regional-incidents.js';
import { clusterStats, startQuorumSweep } from '../cluster/quorum-sweep.js';
import { DEFAULT_REGION } from '../domain/region.js';
import { readSyncStart, startTargetSync, type TargetSync } from '../cluster/target-sync.js';

export interface ServeOptions {
  /** YAML config text and where it came from (for messages) */
  readonly configText: string;
  readonly configSource: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** the admin token from the flags or VIGIL_API_TOKEN (named "admin"); api.tokens in the config add more */
  readonly token: string | null;
  /** Host names served besides the defaults (--allowed-hosts); api.allowedHosts adds more */
  readonly allowedHosts?: readonly HostRule[];
  /** postgres://… from --store/VIGIL_STORE (wins over storage.url); null = config, else SQLite */
  readonly storeUrl?: string | null;
  /** the region this node checks from (--region/VIGIL_REGION; null = "default"); Postgres only */
  readonly region?: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** re-reads the config for SIGHUP; null = the config cannot change (embedded example) */
  readonly readConfig: (() => string) | null;
  /** tests only: the clock the storage maintenance job rolls up against (default Date.now) */
  readonly maintenanceNowMs?: () => number;
  /** tests only: the daemon's clock (scheduler, heartbeat deadlines); default the system clock */
  readonly clock?: Clock;
  /** tests only: circuit breaker thresholds (default DEFAULT_CIRCUIT_BREAKER) */
  readonly breaker?: Partial<CircuitBreakerConfig>;
}

export interface RunningDaemon {
  readonly daemon: Daemon;
  readonly api: ApiServer;
  /** the hourly rollup + retention job (storage.* in the config) */
  readonly maintenance: StorageMaintenance;
  readonly startReport: ConfigApplyReport;
  /** SIGHUP: a file that does not parse leaves the running set untouched */
  reload(): Promise<ConfigApplyReport | ConfigFileError>;
  stop(): Promise<void>;
}

function parseConfig(text: string, self: SelfAddress, env: ServeOptions['env']): DaemonConfig {
  return parseDaemonConfig(expandSelfReferences(text, self), env);
}

export async function startDaemon(options: ServeOptions): Promise<RunningDaemon> {
  const { log } = options;
  // Parse before touching anything, so a bad file changes nothing on disk. The port in
  // ${self.*} references is the requested one; with --port 0 it is patched after listen.
  const requested: SelfAddress = { host: options.host, port: options.port };
  let config = parseConfig(options.configText, requested, options.env);
  const access = (c: DaemonConfig) => apiAccess(options, c);
  if (access(config).tokens.length === 0 && !isLoopbackHost(options.host)) {
    throw new ConfigFileError('--host', `${options.host} is beyond loopback; set VIGIL_API_TOKEN, --token-file or api.tokens so the API is not open to the network`);
  }
  const storeUrl = options.storeUrl ?? config.storage.url;
  const region = options.region ?? DEFAULT_REGION;
  if (storeUrl === null && region !== DEFAULT_REGION) throw new ConfigFileError('--region', 'regions need a shared Postgres store (--store); one node alone with SQLite is one region');
  // Then, in order, everything that can refuse the start before the database is opened: a
  // data dir that cannot be created, a data dir another daemon holds, a port in use. With
  // Postgres the data dir holds nothing (many nodes share the database): not created, not locked.
  if (storeUrl === null) {
    ensureDataDir(options.dataDir);
    secureDataDir(options.dataDir, ['vigil.lock'], log);
  }
  const lock = storeUrl === null ? lockDataDir(options.dataDir) : { release: () => undefined };
  let listener: ApiListener;
  try {
    listener = await listenApi({ host: options.host, port: options.port, ...access(config) });
  } catch (err) {
    lock.release();
    throw err;
  }
  let opened: DaemonStore;
  try {
    if (storeUrl === null) createPrivateFile(join(options.dataDir, 'vigil.db'));
    opened = await openDaemonStore(storeUrl, join(options.dataDir, 'vigil.db'), log, `${options.host}:${options.port}`);
  } catch (err) {
    await listener.close();
    lock.release();
    throw err;
  }
  const { store } = opened;
  const pipeline = new ResultBatcher({
    sink: store,
    // Postgres away: keep results (up to the bound) and retry, instead of dropping each batch
    ...(opened.postgres === null ? {} : { isOutage: isPostgresOutage }),
    onFlushError: (err, attempt, size) => log.warn(`storage: flush of ${size} results failed (attempt ${attempt}): ${err instanceof Error ? err.message : String(err)}`),
  });
  const breaker = createCircuitBreaker(options.breaker);
  const loopDelay = startLoopDelaySampler();
  const clients = { guarded: buildClients({}), private: buildClients({ allowPrivateTargets: true }) };
  // Before the API listens: a `POST /api/v1/targets/test` on a fresh daemon, and the first
  // scheduled checks, must not carry the process's first-use costs in their phases.
  const warmUp = await warmUpExecutor(clients.private, ['http', 'https', 'tcp']);
  log.info(`warm-up: ${warmUp.checks.map((c) => `${c.path} ${c.status}`).join(', ')}`);
  // Which transport fresh plain HTTP/1.1 checks use: never silently the slower one.
  log.info(`executor: fresh plain HTTP/1.1 on ${clients.private.rawTcp === null ? "net.Socket (this Node offers no usable TCP handle binding: docs/executor.md)" : "libuv's TCP handle"}`);
  // many nodes on one Postgres share the fleet by shard leases (docs/cluster.md)
  const nodeId = `${hostname()}-${process.pid}`;
  let leaser: ShardLeaser | null = null;
  let targetSync: TargetSync | null = null;
  let quorumSweep: { stop(): void } | null = null;
  // the outbox in the store makes deliveries survive a restart (docs/daemon.md, "Delivery")
  const alerts = createAlertDispatcher({
    store,
    owner: nodeId,
    log,
    channels: dispatchChannelsOf(config),
    // reminders are routed by the target's name and tags (every node knows every target)
    targetOf: (id) => {
      const target = daemon.getTarget(id);
      return target === undefined ? undefined : { id: target.id, name: target.name, tags: target.tags };
    },
    // nothing is sent inside a maintenance window, reminders included (docs/alerts.md)
    inMaintenance: (target, atMs) => daemon.maintenance.current().openFor(target, atMs) !== null,
  });
  // many nodes: the target is checked from this node's region (it names it, or names none)
  const checkedHere = (id: string): boolean => {
    const regions = daemon.registry.get(id)?.regions;
    return regions === null || regions === undefined || regions.includes(region);
  };
  const daemon: Daemon = new Daemon({
    store,
    pipeline,
    // many nodes: each region's node writes its region's verdict; a quorum of regions decides
    incidents:
      opened.postgres === null
        ? createIncidentPort(store)
        : createRegionalIncidentPort({
            pool: opened.postgres.pool, store, region, leaseMs: DEFAULT_LEASE_MS, nowMs: () => Date.now(),
            placementOf: (id): TargetDefinition | undefined => daemon.registry.get(id),
          }),
    alerts,
    execute: breaker.wrap(executeCheck),
    clients,
    clock: options.clock ?? createSystemClock(),
    loopDelayMs: () => loopDelay.currentMs(),
    breakerStats: () => {
      const s = breaker.snapshot();
      return { closed: s.closed, open: s.open, halfOpen: s.half_open };
    },
    config,
    log,
    ...(opened.postgres === null
      ? {}
      : {
          // checked from this region when the target names it (or names none), by the shard's holder here
          owns: (id: string) => checkedHere(id) && (leaser?.owns(id) ?? false),
          // only those get a timer (re-armed when the held shards change, below)
          assigned: (id: string) => checkedHere(id) && (leaser?.holds(id) ?? false),
          cluster: () => clusterStats(region, leaser),
          region,
          // the API's target endpoints answer from the store's set (before the sync starts: the one just loaded)
          syncTargets: () => targetSync?.fresh() ?? Promise.resolve(),
        }),
  });
  const api: ApiServer = listener.serve(daemon);
  const self: SelfAddress = { host: options.host, port: Number(new URL(api.url).port) };
  // only a file that names ${self.*} reads differently with the real port (no second parse of a large file)
  if (self.port !== requested.port && options.configText.includes('${self.')) config = parseConfig(options.configText, self, options.env);
  let startReport: ConfigApplyReport;
  try {
    // the API answers (/readyz: not ready, with the reason) while Postgres is not reachable
    if (opened.postgres !== null) {
      await waitForPostgres(opened.postgres, log, { onWaiting: (reason) => daemon.setStartupNote(reason) });
      leaser = new ShardLeaser({
        pool: opened.postgres.pool, nodeId, region, apiUrl: api.url, lagMs: () => loopDelay.currentMs(),
        // a target taken over continues the incident the store has, not this node's old view
        onGain: (shards) => daemon.resyncIncidents(new Set(daemon.listTargets().filter((t) => shards.has(shardOf(t.id))).map((t) => t.id))),
        // timers only for the targets of the shards held: armed on gain, disarmed on loss
        onHeld: ({ gained, lost }) => {
          daemon.rearm((id) => {
            const shard = shardOf(id);
            return gained.has(shard) || lost.has(shard);
          });
        },
        onChange: (e) => ('error' in e ? log.warn(`cluster: lease renewal failed: ${e.error}`) : log.info(`cluster: node ${nodeId} holds ${e.owned} of 64 shards in region ${region} (${e.live} live nodes there; +${e.gained} −${e.released})`)),
      });
      await leaser.start();
    }
    // the store's change token and oldest running transaction before the targets are loaded: the first sync round reads only what changed since, if anything did
    const primed = opened.postgres === null ? null : await readSyncStart(opened.postgres.pool);
    startReport = await daemon.start(config);
    if (opened.postgres !== null) {
      targetSync = startTargetSync(opened.postgres.pool, daemon, daemon.sharedWindows, log, undefined, primed);
      quorumSweep = startQuorumSweep(opened.postgres.pool, daemon, (id) => leaser?.owns(id) ?? false, log);
    }
  } catch (err) {
    await api.close();
    await daemon.shutdown(0);
    loopDelay.close();
    await Promise.all([clients.guarded.close(), clients.private.close()]);
    lock.release();
    throw err;
  }
  const maintenance = startMaintenance(store, config, log, options.maintenanceNowMs);
  log.info(`vigil serve: ${daemon.listTargets().length} targets, API on ${api.url} (config: ${options.configSource}, data: ${opened.description})`);

  return {
    daemon,
    api,
    maintenance,
    startReport,
    async reload() {
      if (options.readConfig === null) return new ConfigFileError('config', 'the embedded example config cannot be reloaded; pass --config <file>');
      let next: DaemonConfig;
      try {
        next = parseConfig(options.readConfig(), self, options.env);
      } catch (err) {
        const error = err instanceof ConfigFileError ? err : new ConfigFileError('config', err instanceof Error ? err.message : String(err));
        log.error(`reload refused, running set unchanged: ${error.message}`);
        return error;
      }
      // Tokens and Host names first: a token removed from the file is revoked by this reload.
      api.configure(access(next));
      // Channels before targets: the alerts a target change raises follow the new routing.
      log.info(channelChangeText(await alerts.replaceChannels(dispatchChannelsOf(next))));
      const report = await daemon.applyConfig(next);
      log.info(`reload: ${report.loaded} config targets, ${report.removed} removed, ${report.errors.length} refused`);
      return report;
    },
    async stop() {
      await api.close();
      // a round in progress finishes before the store closes under it
      await maintenance.stop();
      targetSync?.stop();
      quorumSweep?.stop();
      // hand the shards over at once instead of letting the leases expire
      await leaser?.stop();
      await daemon.shutdown();
      loopDelay.close();
      await Promise.all([clients.guarded.close(), clients.private.close()]);
      lock.release();
    },
  };
}

/**
 * Rollup then retention once at start (a daemon restarted more often than the interval still
 * rolls up) and every `storage.maintenanceEvery`; both run in the store's maintenance worker.
 */
function startMaintenance(store: Store, config: DaemonConfig, log: Logger, nowMs: (() => number) | undefined): StorageMaintenance {
  const { rawRetentionMs, rollupRetentionMs, maintenanceEveryMs } = config.storage;
  const onReport = (r: MaintenanceReport): void => {
    const { rawDeleted, rollupsDeleted, incidentsDeleted, alertDeliveriesDeleted, heartbeatPushesDeleted } = r.retention;
    if (r.rollup.hours + rawDeleted + rollupsDeleted + incidentsDeleted + alertDeliveriesDeleted + heartbeatPushesDeleted === 0) return;
    log.info(`storage maintenance: ${r.rollup.hours} hours rolled up (${r.rollup.rows} rows); deleted ${rawDeleted} raw results, ${rollupsDeleted} rollups, ${incidentsDeleted} incidents, ${alertDeliveriesDeleted} finished alert deliveries, ${heartbeatPushesDeleted} heartbeat pushes in ${Math.round(r.durationMs)} ms`);
  };
  const onError = (err: unknown): void => log.error(`storage maintenance failed (retried next round): ${err instanceof Error ? err.message : String(err)}`);
  const maintenance = startStorageMaintenance({
    store,
    everyMs: maintenanceEveryMs,
    policy: { rawRetentionMs, rollupRetentionMs },
    ...(nowMs === undefined ? {} : { nowMs }),
    onReport,
    onError,
  });
  maintenance.runNow().then(onReport, onError);
  return maintenance;
}

/** Every webhook and channel of a config with a new sender each (start and SIGHUP). */
function dispatchChannelsOf(config: DaemonConfig): DispatchChannel[] {
  return [...config.webhooks.map((w) => ({ ...w, sender: createWebhookSender(w) })), ...config.channels.map((c) => ({ ...c, sender: createChannelSender(c) }))];
}

/** `reload: alert channels ops, pd (added pd; removed slack, its 3 pending deliveries are given up when due)` */
function channelChangeText(c: ChannelChange): string {
  const names = [...c.kept, ...c.added];
  const parts = [...(c.added.length > 0 ? [`added ${c.added.join(', ')}`] : [])];
  if (c.removed.length > 0) {
    const pending = c.pendingOfRemoved === null ? 'pending deliveries not counted (outbox unreachable)' : `${c.pendingOfRemoved}${c.pendingOfRemoved >= 1000 ? '+' : ''} pending deliveries`;
    parts.push(`removed ${c.removed.join(', ')}: ${pending} given up when due ("${REMOVED_CHANNEL_ERROR}")`);
  }
  return `reload: alert channels ${names.length === 0 ? '(none)' : names.join(', ')}${parts.length === 0 ? '' : ` (${parts.join('; ')})`}`;
}

/** The flag/env admin token plus the config's tokens; the flags' Host names plus the config's. */
function apiAccess(options: ServeOptions, config: DaemonConfig): { tokens: ApiToken[]; allowedHosts: HostRule[] } {
  const fromFlags: ApiToken[] = options.token === null ? [] : [{ name: 'admin', scope: 'admin', secret: options.token }];
  return { tokens: [...fromFlags, ...config.api.tokens], allowedHosts: [...(options.allowedHosts ?? []), ...config.api.allowedHosts] };
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Reads a config file, turning a missing/unreadable file into a ConfigFileError. */
export function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConfigFileError('--config', `cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}
