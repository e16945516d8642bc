/**
 * Sets one variable of this process's environment, or unsets it when `value` is undefined (restoring a
 * saved `process.env[name]`). process.env cannot be swapped for a copy, so unsetting removes the key.
 */
export function setEnv(name: string, value: string | undefined): void {
  if (value === undefined) Reflect.deleteProperty(process.env, name);
  else process.env[name] = value;
}
