import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("efs-filesystem-backup (CT.ELASTICFILESYSTEM.PR.2, EFS.2)", () => {
    const P = "efs-filesystem-backup";
    it("passes a file system with an ENABLED backup policy", () => expectNoViolation(P, controlsStack().resources));
    it("catches a file system without a backup policy, as advisory", () =>
        expectOneViolation(P, controlsStack().remove("data-backup").resources, "data", /no aws.efs.BackupPolicy refers to it/, { level: "advisory" }));
    it("catches a backup policy that is DISABLED", () =>
        expectOneViolation(P, controlsStack().change("data-backup", (i) => (i.backupPolicy.status = "DISABLED")).resources, "data-backup", /status .* is "DISABLED"/));
    it("treats an unknown status as a violation", () =>
        expectOneViolation(P, controlsStack().change("data-backup", (i) => (i.backupPolicy.status = U)).resources, "data-backup", /unknown during preview/));
    it("joins an existing file system by its id", () =>
        expectNoViolation(P, controlsStack().changeOutputs("data", (o) => (o.id = "fs-1")).change("data-backup", (i) => (i.fileSystemId = "fs-1")).resources.map((r) => (r.name === "data-backup" ? { ...r, propertyDependencies: {}, dependencies: [] } : r))));
});
