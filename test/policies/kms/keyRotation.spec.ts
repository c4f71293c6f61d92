import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("kms-key-rotation (CT.KMS.PR.1, KMS.4)", () => {
    const P = "kms-key-rotation";
    it("passes a symmetric key with rotation", () => expectNoViolation(P, controlsStack().resources));
    it("catches rotation off, as advisory", () =>
        expectOneViolation(P, controlsStack().change("logs-key", (i) => (i.enableKeyRotation = false)).resources, "logs-key", /enableKeyRotation is false/, { level: "advisory" }));
    it("catches rotation left unset", () => expectOneViolation(P, controlsStack().change("logs-key", (i) => delete i.enableKeyRotation).resources, "logs-key", /defaults to false/));
    it("skips asymmetric keys (AWS cannot rotate them)", () =>
        expectNoViolation(P, controlsStack().change("logs-key", (i) => { delete i.enableKeyRotation; i.customerMasterKeySpec = "RSA_4096"; }).resources));
    it("treats an unknown key spec as a violation", () =>
        expectOneViolation(P, controlsStack().change("logs-key", (i) => (i.customerMasterKeySpec = U)).resources, "logs-key", /key spec is unknown during preview/));
});
