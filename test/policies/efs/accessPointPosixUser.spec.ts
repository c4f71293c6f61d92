import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("efs-accesspoint-posix-user (CT.ELASTICFILESYSTEM.PR.4, EFS.4)", () => {
    const P = "efs-accesspoint-posix-user";
    it("passes an access point that enforces uid/gid 1000", () => expectNoViolation(P, controlsStack().resources));
    it("catches an access point without posixUser, as advisory", () =>
        expectOneViolation(P, controlsStack().change("data-ap", (i) => delete i.posixUser).resources, "data-ap", /posixUser.uid is not set and posixUser.gid is not set/, { level: "advisory" }));
    it("catches uid 0 (root)", () => expectOneViolation(P, controlsStack().change("data-ap", (i) => (i.posixUser.uid = 0)).resources, "data-ap", /uid is 0 \(root\)/));
    it("treats an unknown uid as a violation", () => expectOneViolation(P, controlsStack().change("data-ap", (i) => (i.posixUser.uid = U)).resources, "data-ap", /uid is unknown during preview/));
});
