/**
 * A number from a rule's options, else the fallback.
 *
 * The engine builds each rule's options afresh every run (the config merged over the defaults,
 * frozen). V8 keeps the frozen map only while an object holds it, so every run's options arrive
 * with a new hidden class: a plain `options.key` in a rule's optimized check() then fails its map
 * check and throws the whole function back to the interpreter, once per run. A property
 * descriptor is read by a builtin that checks no map, and its result always has the same shape.
 */
export function numberOption(
  options: Readonly<Record<string, unknown>>,
  key: string,
  fallback: number,
): number {
  const value: unknown = Object.getOwnPropertyDescriptor(options, key)?.value;
  return typeof value === 'number' ? value : fallback;
}
