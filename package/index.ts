/**
 * The component package's entry (package.json `main`; PulumiPlugin.yaml at the repository root). When the Pulumi
 * CLI runs this directory as a plugin (`pulumi package add`, or a program that uses the package), the Node.js
 * language host starts `@pulumi/pulumi/cmd/run-plugin`, which loads this module and serves the component classes it
 * exports with `componentProviderHost`, the schema inferred from their argument types
 * (https://www.pulumi.com/docs/iac/guides/building-extending/components/build-a-component/). The stack program is
 * `index.ts` (Pulumi.yaml `main`), not this.
 */
export { Architecture } from "./architecture";
// The building blocks: plain data, ids, ARNs and role names instead of other components' objects (README "Use it as a
// component package").
export { Network } from "./network";
export { SharedFileSystem } from "./sharedFileSystem";
export { ArchiveBucket } from "./archiveBucket";
export { WorkQueue } from "./workQueue";
export { LogAnalytics } from "./logAnalytics";
