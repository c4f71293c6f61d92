import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("efs-filesystem-encrypted", () => {
    const P = "efs-filesystem-encrypted";
    it("passes a file system encrypted at rest", () => expectNoViolation(P, compliantStack().resources));
    it("catches encrypted: false, naming the file system, as advisory by default", () =>
        expectOneViolation(P, compliantStack().change("data", (i) => (i.encrypted = false)).resources, "data", /"data".*encrypted is false.*Set encrypted: true/, { level: "advisory" }));
    it("catches encrypted left unset", () => expectOneViolation(P, compliantStack().change("data", (i) => delete i.encrypted).resources, "data", /not set/));
    it("treats encrypted unknown during preview as a violation", () => expectOneViolation(P, compliantStack().change("data", (i) => (i.encrypted = U)).resources, "data", /unknown during preview/));
    it("can be raised to mandatory", () =>
        expectOneViolation(P, compliantStack().change("data", (i) => (i.encrypted = false)).resources, "data", /encrypted/, { level: "mandatory", policyConfig: { [P]: "mandatory" } }));
    it("ignores a resource of another type that has the same property", () =>
        expectNoViolation(P, compliantStack().add("aws:efs/replicationConfiguration:ReplicationConfiguration", "replica", { inputs: { encrypted: false } }).resources));
});
