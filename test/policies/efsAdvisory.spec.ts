import { U, compliantStack, denyInsecureTransport } from "./fixtures";
import { expectNoViolation, expectOneViolation } from "./harness";

describe("efs-filesystem-encrypted", () => {
    const P = "efs-filesystem-encrypted";
    it("passes a file system encrypted at rest", () => expectNoViolation(P, compliantStack().resources));
    it("catches encrypted: false, naming the file system, as advisory by default", () =>
        expectOneViolation(P, compliantStack().change("data", (i) => (i.encrypted = false)).resources, "data", /"data".*encrypted is false.*Set encrypted: true/, { level: "advisory" }));
    it("catches encrypted left unset", () => expectOneViolation(P, compliantStack().change("data", (i) => delete i.encrypted).resources, "data", /not set/));
    it("treats encrypted unknown during preview as a violation", () => expectOneViolation(P, compliantStack().change("data", (i) => (i.encrypted = U)).resources, "data", /unknown during preview/));
    it("can be raised to mandatory", () =>
        expectOneViolation(P, compliantStack().change("data", (i) => (i.encrypted = false)).resources, "data", /encrypted/, { level: "mandatory", policyConfig: { [P]: "mandatory" } }));
});

describe("efs-accesspoint-root-directory", () => {
    const P = "efs-accesspoint-root-directory";
    it("passes an access point rooted in a subdirectory", () => expectNoViolation(P, compliantStack().resources));
    it("catches an access point rooted at /", () =>
        expectOneViolation(P, compliantStack().change("data-ap", (i) => (i.rootDirectory.path = "/")).resources, "data-ap", /"data-ap".*"\/".*Set rootDirectory.path/));
    it("catches an access point without a root directory (EFS uses /)", () =>
        expectOneViolation(P, compliantStack().change("data-ap", (i) => delete i.rootDirectory).resources, "data-ap", /not set \(defaults to \/\)/));
    it("treats a path unknown during preview as a violation", () =>
        expectOneViolation(P, compliantStack().change("data-ap", (i) => (i.rootDirectory.path = U)).resources, "data-ap", /unknown during preview/));
});

describe("efs-filesystem-deny-insecure-transport", () => {
    const P = "efs-filesystem-deny-insecure-transport";
    const policy = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
    it("passes a file system whose policy denies non-TLS clients", () => expectNoViolation(P, compliantStack().resources));
    it("catches a file system without a file-system policy", () =>
        expectOneViolation(P, compliantStack().remove("data-policy").resources, "data", /"data".*no file-system policy refers to it/));
    it("catches a policy without the aws:SecureTransport deny", () =>
        expectOneViolation(
            P,
            compliantStack().change("data-policy", (i) => (i.policy = policy([{ Effect: "Allow", Principal: { AWS: "*" }, Action: "elasticfilesystem:ClientMount" }]))).resources,
            "data",
            /has no such statement/,
        ));
    it("catches a deny that only applies when aws:SecureTransport is true", () => {
        const wrong = { ...denyInsecureTransport("*"), Condition: { Bool: { "aws:SecureTransport": "true" } } };
        return expectOneViolation(P, compliantStack().change("data-policy", (i) => (i.policy = policy([wrong]))).resources, "data", /no such statement/);
    });
    it("treats a policy document unknown during preview as unproven", () =>
        expectOneViolation(P, compliantStack().change("data-policy", (i) => (i.policy = U)).resources, "data", /unknown during preview/));
});
