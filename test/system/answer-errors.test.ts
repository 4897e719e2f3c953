// An error while answering one request costs that request's connection only, wherever
// the answer is built: here a multiRead whose reply cannot be encoded (thousands of
// getData of a 1 MB node: gigabytes), sent alone and held behind a setData of the same
// session (then it is answered from the persist loop, after the write). The server keeps
// serving: it answers ruok, a bystander keeps its session and its ephemeral, and writes
// still go through (the persist loop was not left stuck).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, OpCode } from '../../src/jute/constants';
import { writeMultiOps, type MultiOp } from '../../src/jute/multi';
import * as R from '../../src/jute/records';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { fourLetterWord, startServer, type RunningServer } from '../support/servers';
import { RawConnection, requestFrame } from '../support/raw-client';

const HOST = '127.0.2.7';
/** 4,300 replies of 1 MB: past the 4 GiB a Node Buffer can hold, so encoding it must fail. */
const GETDATA_COUNT = 4_300;
let server: RunningServer;
let bystander: ZooKeeperClient;

before(async () => {
  server = await startServer('ours', { host: HOST });
  bystander = await ZooKeeperClient.connect(server.connectString, { sessionTimeout_ms: 10_000 });
  await bystander.create('/big', Buffer.alloc(1_000_000, 1));
  await bystander.create('/small', Buffer.from('0'));
  await bystander.create('/bystander', null, { mode: CreateMode.EPHEMERAL });
});

after(async () => {
  bystander.disconnect();
  await server.stop();
});

const hugeMultiRead = requestFrame(2, OpCode.multiRead, (w) => {
  const ops: MultiOp[] = Array.from({ length: GETDATA_COUNT }, () => ({ type: OpCode.getData, op: 'getData', path: '/big', watch: false }));
  writeMultiOps(w, ops);
});
const setSmall = requestFrame(1, OpCode.setData, (w) => R.SetDataRequest.write(w, { path: '/small', data: Buffer.from('1'), version: -1 }));

async function assertServing(): Promise<void> {
  assert.equal(await fourLetterWord(HOST, 2181, 'ruok'), 'imok');
  await bystander.setData('/small', Buffer.from('bystander'));
  const stat = await bystander.exists('/bystander');
  assert.equal(stat?.ephemeralOwner, bystander.sessionId, 'the bystander keeps its ephemeral');
}

async function sendAndWaitForClose(bytes: Buffer): Promise<RawConnection> {
  const c = await RawConnection.open(HOST);
  await c.handshake();
  c.write(bytes);
  const timer = setTimeout(() => c.destroy(), 60_000);
  await c.closedAt;
  clearTimeout(timer);
  return c;
}

test('a multiRead whose reply cannot be built, sent alone, closes its connection only', async () => {
  const c = await sendAndWaitForClose(hugeMultiRead);
  assert.equal(c.frames.length, 1, 'only the ConnectResponse was answered');
  await assertServing();
});

test('the same multiRead held behind a setData of its session closes its connection only', async () => {
  const c = await sendAndWaitForClose(Buffer.concat([setSmall, hugeMultiRead]));
  assert.equal(c.frames.length, 2, 'the ConnectResponse and the setData were answered');
  assert.equal(c.frames[1]!.readInt32BE(0), 1, 'the setData reply');
  assert.equal(c.frames[1]!.readInt32BE(12), 0, 'the setData succeeded');
  await assertServing();
});
