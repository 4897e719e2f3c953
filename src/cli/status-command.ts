// `zookeeper-ts status [zoo.cfg]`: what `zkServer.sh status` prints — the client port it
// found, then the server's Mode from `srvr` — and exit 1 when the server does not answer.
// With no zoo.cfg it asks the server `zookeeper-ts server` runs with none: the embedded
// default (the packaged service's scripts name /etc/zookeeper/zoo.cfg themselves).
import { connect } from 'node:net';
import { ConfigError, defaultConfig, loadConfig } from '../config/server-config';

export async function runStatus(cfgFile: string | undefined): Promise<number> {
  let config;
  try {
    config = cfgFile === undefined ? defaultConfig() : loadConfig(cfgFile);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  console.error(`Using config: ${config.file}`);
  // zkServer.sh says "localhost" when clientPortAddress is not set.
  const shownAddress = config.clientPortAddressSet ? config.clientPortAddress : 'localhost';
  const host = config.clientPortAddressSet ? config.clientPortAddress : '127.0.0.1';
  console.log(`Client port found: ${config.clientPort}. Client address: ${shownAddress}. Client SSL: false.`);
  const answer = await srvr(host, config.clientPort).catch(() => '');
  const mode = answer.split('\n').find((l) => l.startsWith('Mode: '));
  if (!mode) {
    console.log('Error contacting service. It is probably not running.');
    return 1;
  }
  console.log(mode);
  return 0;
}

function srvr(host: string, port: number, timeout_ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let out = '';
    socket.setTimeout(timeout_ms, () => socket.destroy(new Error('timed out')));
    socket.on('connect', () => socket.write('srvr'));
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
  });
}
