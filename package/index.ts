/**
 * The component package's entry (package.json `main`; PulumiPlugin.yaml at the repository root). When the Pulumi
 * CLI runs this directory as a plugin (`pulumi package add`, or a program that uses the package), the Node.js
 * language host starts `@pulumi/pulumi/cmd/run-plugin`, which loads this module and serves the component classes it
 * exports with `componentProviderHost`, the schema inferred from their argument types
 * (https://www.pulumi.com/docs/iac/guides/building-extending/components/build-a-component/). The stack program is
 * `index.ts` (Pulumi.yaml `main`), not this.
 */
export { Architecture } from "./architecture";
