// The ACL cache, counted as ZooKeeper's ReferenceCountedACLCache counts it: one shared
// array per distinct ACL list, a long index per list (what a snapshot writes for each
// node), and the number of nodes using it. A list goes the moment no node uses it, so
// create + delete with ever new lists leaves nothing behind.
//
// Indices are ZooKeeper's: handed out from a counter that only grows (also across a
// snapshot load, which resumes after the highest index the snapshot held), -1 for the lists
// of the nodes a fresh tree is born with ("/", "/zookeeper", "/zookeeper/quota": ZooKeeper
// gives them a null ACL that reads as OPEN_ACL_UNSAFE and is never counted).
import { OPEN_ACL_UNSAFE } from '../jute/constants';
import type { ACL } from '../jute/records';

/** ReferenceCountedACLCache.OPEN_UNSAFE_ACL_ID: a fresh tree's own nodes, never counted. */
export const OPEN_UNSAFE_ACL_ID = -1;

/**
 * The list that stands for index -1. Only a fresh tree's nodes and a snapshot's -1 entries
 * carry this very array; a client's [world:anyone ALL] is an ordinary list with an index.
 */
export const BUILT_IN_ACL: ACL[] = OPEN_ACL_UNSAFE;

interface Entry {
  index: number;
  /** Nodes using the list; at 0 the entry is dropped (removeUsage) or purged (after a load). */
  count: number;
  key: string;
  acl: ACL[];
}

export class AclCache {
  /** By the shared array itself: what a node holds. */
  private readonly byList = new Map<ACL[], Entry>();
  /** By content: a new node's list finds an equal one already shared. */
  private readonly byKey = new Map<string, Entry>();
  /** The highest index handed out or loaded; never goes back (ZooKeeper's aclIndex). */
  private aclIndex = 0;

  /** Lists held (ZooKeeper's aclCacheSize); the built-in one is not among them. */
  get size(): number {
    return this.byList.size;
  }

  /**
   * convertAcls: the shared array equal to `acl` (a new entry if there is none), with one
   * more user. The array returned is what the node must hold.
   */
  addUsage(acl: ACL[]): ACL[] {
    if (acl === BUILT_IN_ACL) return acl;
    let e = this.byList.get(acl);
    if (!e) {
      const key = aclKey(acl);
      e = this.byKey.get(key);
      if (!e) {
        e = { index: ++this.aclIndex, count: 0, key, acl };
        this.byKey.set(key, e);
        this.byList.set(acl, e);
      }
    }
    e.count++;
    return e.acl;
  }

  /** removeUsage: one node fewer uses `acl`; at none the list goes. */
  removeUsage(acl: ACL[]): void {
    const e = this.byList.get(acl);
    if (!e) return; // the built-in list
    if (--e.count <= 0) this.drop(e);
  }

  /** The index a snapshot writes for a node holding `acl`. */
  indexOf(acl: ACL[]): number {
    if (acl === BUILT_IN_ACL) return OPEN_UNSAFE_ACL_ID;
    const e = this.byList.get(acl);
    // Every node's list is in the cache while the node exists: a miss is a bug, not a state.
    if (!e) throw new Error('ACL list of a live node is missing from the ACL cache');
    return e.index;
  }

  /**
   * deserialize: the cache becomes a snapshot's ACL map, each list uncounted until its
   * nodes are loaded (addUsage); purgeUnused then drops those no node referred to. The
   * arrays are the ones the snapshot's nodes hold.
   */
  load(acls: Map<number, ACL[]>): void {
    this.byList.clear();
    this.byKey.clear();
    for (const [index, acl] of acls) {
      if (index === OPEN_UNSAFE_ACL_ID) continue;
      if (index > this.aclIndex) this.aclIndex = index;
      const e: Entry = { index, count: 0, key: aclKey(acl), acl };
      this.byList.set(acl, e);
      // Two indices with equal lists (a fuzzy snapshot can hold both): new nodes share the later.
      this.byKey.set(e.key, e);
    }
  }

  /** Every list held, by index (what a snapshot's ACL map holds; the built-in list is not among them). */
  *entries(): Generator<[number, ACL[]]> {
    for (const e of this.byList.values()) yield [e.index, e.acl];
  }

  /** purgeUnused: drops the lists no node uses (after a snapshot load). */
  purgeUnused(): void {
    for (const e of this.byList.values()) if (e.count <= 0) this.drop(e);
  }

  private drop(e: Entry): void {
    this.byList.delete(e.acl);
    if (this.byKey.get(e.key) === e) this.byKey.delete(e.key);
  }
}

/**
 * Equal lists (ACL.equals element by element, in order) give equal keys; no two others do:
 * each scheme and id is preceded by its length. Made for every create (its list arrives as
 * a new array): a concatenation, where JSON.stringify of a mapped copy was 0.6% of a write.
 */
function aclKey(acl: ACL[]): string {
  let key = '';
  for (const a of acl) key += `${a.perms}:${a.id.scheme.length}:${a.id.scheme}${a.id.id.length}:${a.id.id}`;
  return key;
}
