// The one error a bad configuration raises: its message names the file, the line, the key and
// what is allowed.
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
