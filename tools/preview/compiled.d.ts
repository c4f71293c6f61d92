/** Types of `compiled.js` (plain JavaScript, so that it can run before any TypeScript loads). */

/** Loads `.ts` files as cached transpiled JavaScript, with the options of `tsconfigFile` (the root tsconfig.json by default). */
export function registerTypeScript(tsconfigFile?: string): void;

/** A transpiled copy of the policy pack in `packDir` (built on first use after a change); returns its directory. */
export function compiledPolicyPack(packDir: string): string;
