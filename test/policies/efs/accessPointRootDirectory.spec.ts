import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("efs-accesspoint-root-directory", () => {
    const P = "efs-accesspoint-root-directory";
    it("passes an access point rooted in a subdirectory", () => expectNoViolation(P, compliantStack().resources));
    it("catches an access point rooted at /", () =>
        expectOneViolation(P, compliantStack().change("data-ap", (i) => (i.rootDirectory.path = "/")).resources, "data-ap", /"data-ap".*"\/".*Set rootDirectory.path/));
    it("catches an access point without a root directory (EFS uses /)", () =>
        expectOneViolation(P, compliantStack().change("data-ap", (i) => delete i.rootDirectory).resources, "data-ap", /not set \(defaults to \/\)/));
    it("treats a path unknown during preview as a violation", () =>
        expectOneViolation(P, compliantStack().change("data-ap", (i) => (i.rootDirectory.path = U)).resources, "data-ap", /unknown during preview/));
    it("ignores an S3 access point, another type, even one with a root path", () =>
        expectNoViolation(P, compliantStack().add("aws:s3/accessPoint:AccessPoint", "s3-ap", { inputs: { rootDirectory: { path: "/" } } }).resources));
});
