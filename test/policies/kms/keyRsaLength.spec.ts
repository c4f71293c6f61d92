import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("kms-key-rsa-length (CT.KMS.PR.2)", () => {
    const P = "kms-key-rsa-length";
    it("passes a symmetric key", () => expectNoViolation(P, controlsStack().resources));
    it("passes RSA_4096 for encryption", () => expectNoViolation(P, controlsStack().change("logs-key", (i) => { i.customerMasterKeySpec = "RSA_4096"; i.keyUsage = "ENCRYPT_DECRYPT"; }).resources));
    it("passes RSA_2048 for signing", () => expectNoViolation(P, controlsStack().change("logs-key", (i) => { i.customerMasterKeySpec = "RSA_2048"; i.keyUsage = "SIGN_VERIFY"; }).resources));
    it("catches RSA_2048 for encryption (keyUsage defaulted), as advisory", () =>
        expectOneViolation(P, controlsStack().change("logs-key", (i) => (i.customerMasterKeySpec = "RSA_2048")).resources, "logs-key", /"RSA_2048"/, { level: "advisory" }));
    it("treats an unknown usage of an RSA key as a violation", () =>
        expectOneViolation(P, controlsStack().change("logs-key", (i) => { i.customerMasterKeySpec = "RSA_2048"; i.keyUsage = U; }).resources, "logs-key", /keyUsage is unknown during preview/));
});
