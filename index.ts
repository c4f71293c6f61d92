/**
 * The composition root: the stack config, then the architecture built from it (components/architecture.ts, which
 * the component package's `Architecture` builds too), then what an operator needs. No raw AWS resources here; each
 * lives in the component that owns it. Settings the stack leaves out are passed as undefined, so each component's
 * own defaults apply. The parts are built at the stack level with their own names (`network`, `shared`, `archive`,
 * …): the URNs deployed stacks already have.
 */
import { architectureOutputs, buildArchitecture } from "./components/architecture";
import { readStackConfig } from "./config";

export = async () => {
    const config = await readStackConfig();
    return architectureOutputs(buildArchitecture(config));
};
