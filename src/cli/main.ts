// The executable's entry: `zookeeper-ts server|status|purge|cli|version`. Argument parsing is
// commander's; each command lives in its own module.
import { Command } from 'commander';
import { VERSION_STRING } from '../server/four-letter-words';
import { runPurge } from './purge-command';
import { runServer } from './server-command';
import { runStatus } from './status-command';
import { parseCliArgs, ZooKeeperMain } from './shell/zookeeper-main';

const program = new Command();
program.name('zookeeper-ts').description('A coordination server that speaks Apache ZooKeeper 3.8\'s client protocol').showHelpAfterError();

program
  .command('server')
  .description('run a server in the foreground (no zoo.cfg: standalone on 127.0.0.1:2181, data under ./data)')
  .argument('[zoo.cfg]', 'configuration file, read as Apache ZooKeeper reads it')
  .action(async (cfg: string | undefined) => {
    process.exitCode = await runServer(cfg);
  });

program
  .command('status')
  .description("print the server's mode, as zkServer.sh status does (no zoo.cfg: the server `server` with none runs)")
  .argument('[zoo.cfg]', 'configuration file; none: the embedded default, as `server`')
  .action(async (cfg: string | undefined) => {
    process.exitCode = await runStatus(cfg);
  });

program
  .command('purge')
  .description('delete old snapshots and transaction logs, as zkCleanup.sh (PurgeTxnLog) does: purge dataLogDir [snapDir] -n count')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[args...]', "PurgeTxnLog's own arguments: dataLogDir [snapDir] -n count (count at least 3)")
  .action((_args: string[], _opts: unknown, cmd: Command) => {
    // PurgeTxnLog's positional syntax (-n in its place) is its own: runPurge parses it.
    process.exitCode = runPurge(cmd.args);
  });

program
  .command('cli')
  .description('a shell with zkCli\'s commands and output: cli [-server host:port[,host:port...]] [-timeout ms] [-client-configuration file] [cmd args...]')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[args...]', "zkCli's own options (-server, -timeout), then one command to run instead of a session")
  .action(async (_args: string[], _opts: unknown, cmd: Command) => {
    // zkCli's single-dash long options are its own syntax: ZooKeeperMain parses them.
    const code = await new ZooKeeperMain(parseCliArgs(cmd.args)).run();
    // A reconnect timer or a half-closed socket must not keep a finished shell alive.
    process.stdout.write('', () => process.exit(code));
  });

program
  .command('version')
  .description('print the version')
  .action(() => {
    console.log(`zookeeper-ts ${VERSION_STRING}`);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
