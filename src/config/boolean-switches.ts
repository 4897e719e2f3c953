// Every on/off switch of zoo.cfg, read as Apache ZooKeeper 3.8 reads it. Apache has four
// ways, and which one a key gets depends on where it is read: QuorumPeerConfig's own keys
// refuse anything but true/false; keys it does not know become `zookeeper.<key>` system
// properties, and each reader of such a property has its own test. A `skipACL=true` that
// switches ACLs off here but not there would be a hole an operator cannot see.
import type { Property } from './properties';

export type BooleanRule =
  /** QuorumPeerConfig.parseBoolean: true or false in any case; anything else stops the start. */
  | 'trueOrFalse'
  /** Boolean.parseBoolean / Boolean.getBoolean: "true" in any case is on, anything else off. */
  | 'trueIgnoringCase'
  /** "yes".equals(...): only the exact value yes is on. */
  | 'exactlyYes'
  /** !"false".equals(...): only the exact value false is off. */
  | 'notExactlyFalse'
  /** !"no".equals(...): only the exact value no is off. */
  | 'notExactlyNo';

/** The ServerConfig fields a switch sets; the others are read (and checked) only. */
export type BooleanField = 'sslQuorum' | 'portUnification' | 'standaloneEnabled' | 'reconfigEnabled' | 'skipACL' | 'adminEnableServer' | 'extendedTypesEnabled' | 'metricsProviderExportJvmInfo' | 'enforceQuota' | 'adminPortUnification' | 'adminForceHttps';

export interface BooleanSwitch {
  rule: BooleanRule;
  /** Where Apache 3.8 reads it (class, and the system property for a passed-on key). */
  readBy: string;
  field?: BooleanField;
}

/** Keyed by the zoo.cfg key as written. */
export const BOOLEAN_SWITCHES: Record<string, BooleanSwitch> = {
  // QuorumPeerConfig.parseProperties
  standaloneEnabled: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig', field: 'standaloneEnabled' },
  reconfigEnabled: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig', field: 'reconfigEnabled' },
  localSessionsEnabled: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  localSessionsUpgradingEnabled: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  quorumListenOnAllIPs: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  syncEnabled: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  sslQuorum: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig', field: 'sslQuorum' },
  portUnification: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig', field: 'portUnification' },
  sslQuorumReloadCertFiles: { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  'quorum.auth.enableSasl': { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  'quorum.auth.serverRequireSasl': { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  'quorum.auth.learnerRequireSasl': { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  'jvm.pause.monitor': { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  'multiAddress.enabled': { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  'multiAddress.reachabilityCheckEnabled': { rule: 'trueOrFalse', readBy: 'QuorumPeerConfig' },
  // metricsProvider.* goes to the provider's own Properties
  'metricsProvider.exportJvmInfo': { rule: 'trueIgnoringCase', readBy: 'PrometheusMetricsProvider (exportJvmInfo)', field: 'metricsProviderExportJvmInfo' },
  // passed on as system properties
  skipACL: { rule: 'exactlyYes', readBy: 'ZooKeeperServer (zookeeper.skipACL)', field: 'skipACL' },
  'admin.enableServer': { rule: 'notExactlyFalse', readBy: 'AdminServerFactory (zookeeper.admin.enableServer)', field: 'adminEnableServer' },
  extendedTypesEnabled: { rule: 'trueIgnoringCase', readBy: 'EphemeralType (zookeeper.extendedTypesEnabled)', field: 'extendedTypesEnabled' },
  'admin.portUnification': { rule: 'trueIgnoringCase', readBy: 'JettyAdminServer (zookeeper.admin.portUnification)', field: 'adminPortUnification' },
  'admin.forceHttps': { rule: 'trueIgnoringCase', readBy: 'JettyAdminServer (zookeeper.admin.forceHttps)', field: 'adminForceHttps' },
  'digest.enabled': { rule: 'trueIgnoringCase', readBy: 'ZooKeeperServer (zookeeper.digest.enabled)' },
  enforceQuota: { rule: 'trueIgnoringCase', readBy: 'ZooKeeperServer (zookeeper.enforceQuota)', field: 'enforceQuota' },
  'closeSessionTxn.enabled': { rule: 'trueIgnoringCase', readBy: 'ZooKeeperServer (zookeeper.closeSessionTxn.enabled)' },
  'DigestAuthenticationProvider.enabled': { rule: 'trueIgnoringCase', readBy: 'DigestAuthenticationProvider (zookeeper.DigestAuthenticationProvider.enabled)' },
  forceSync: { rule: 'notExactlyNo', readBy: 'FileTxnLog (zookeeper.forceSync)' },
  leaderServes: { rule: 'notExactlyNo', readBy: 'Leader (zookeeper.leaderServes)' },
};

export class BooleanValueError extends Error {
  override readonly name = 'BooleanValueError';
}

/** The value of a switch under its rule; throws BooleanValueError where Apache refuses to start. */
export function readBoolean(rule: BooleanRule, value: string): boolean {
  switch (rule) {
    case 'trueOrFalse': {
      const v = value.toLowerCase();
      if (v !== 'true' && v !== 'false') throw new BooleanValueError('true or false');
      return v === 'true';
    }
    case 'trueIgnoringCase':
      return value.toLowerCase() === 'true';
    case 'exactlyYes':
      return value === 'yes';
    case 'notExactlyFalse':
      return value !== 'false';
    case 'notExactlyNo':
      return value !== 'no';
  }
}

/** A note for a value that Apache reads, but not as a reader of this file would guess. */
export function surprisingValue(p: Property, rule: BooleanRule, on: boolean): string | undefined {
  const plain = rule === 'exactlyYes' ? ['yes', 'no'] : rule === 'notExactlyNo' ? ['yes', 'no'] : ['true', 'false'];
  if (plain.includes(p.value)) return undefined;
  return `${p.file}:${p.line}: ${p.key}=${p.value} reads as ${on ? 'on' : 'off'} (as Apache ZooKeeper reads it: ${describeRule(rule)})`;
}

function describeRule(rule: BooleanRule): string {
  switch (rule) {
    case 'trueOrFalse':
      return 'true or false';
    case 'trueIgnoringCase':
      return 'only true, in any case, is on';
    case 'exactlyYes':
      return 'only the exact value yes is on';
    case 'notExactlyFalse':
      return 'only the exact value false is off';
    case 'notExactlyNo':
      return 'only the exact value no is off';
  }
}
