import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The resource-policy statement that refuses every request not made over TLS, for S3 buckets and EFS file
 * systems alike. A deny must cover every caller, so its principal is "*"; allows live in identity policies.
 */
export function denyInsecureTransport(action: string, resource: pulumi.Input<string> | pulumi.Input<string>[]) {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: action,
        Resource: resource,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** A role as a grant needs it: its name (an `aws.iam.Role` is one). Grants remember a grantee by this handle. */
export type GranteeRole = Pick<aws.iam.Role, "name">;

/**
 * Who a grant is for: the consumer's role, a name its grant resources are named after (`${name}-efs-app`,
 * `${name}-archive-write`) and the component they are created under, so that each shows with its consumer.
 */
export interface Grantee {
    /** The consumer's name (a component name such as `app`); unique per role. */
    readonly name: string;
    /**
     * The role whose identity policies receive the allows: only its name is used, so a role of this program or one
     * named by another (the package's building blocks take a role name) serves alike.
     */
    readonly role: GranteeRole;
    /** The consumer component the grant's resources are parented to. Defaults to the resource owner. */
    readonly parent?: pulumi.Resource;
}

/**
 * Remembers grants by grantee role and a key, so that asking twice for the same grant returns the first one
 * instead of creating a second copy (which IAM would accept and a security-group rule would not), and asking for a
 * different grant under a name already used fails with a message naming both.
 */
export class GrantLedger<T> {
    private readonly byRole = new Map<GranteeRole, Map<string, { grant: T; fingerprint: string }>>();
    private readonly roleOfName = new Map<string, GranteeRole>();

    constructor(private readonly owner: string) {}

    /** The grant for (grantee, key): the one made before, or `make()`'s when there is none. */
    once(grantee: Grantee, key: string, fingerprint: string, make: () => T): T {
        const roleBefore = this.roleOfName.get(grantee.name);
        if (roleBefore !== undefined && roleBefore !== grantee.role) {
            throw new pulumi.InputPropertyError({
                propertyPath: "grantee.name",
                reason: `${this.owner} already granted "${grantee.name}" to another role; give each role its own grantee name`,
            });
        }
        this.roleOfName.set(grantee.name, grantee.role);
        const grants = this.byRole.get(grantee.role) ?? new Map<string, { grant: T; fingerprint: string }>();
        this.byRole.set(grantee.role, grants);
        const before = grants.get(key);
        if (before !== undefined) {
            if (before.fingerprint !== fingerprint) {
                throw new pulumi.InputPropertyError({
                    propertyPath: key,
                    reason: `${this.owner} already granted "${grantee.name}" ${key} as ${before.fingerprint}; asked again as ${fingerprint}. Make one grant per role and ${key} with everything it needs`,
                });
            }
            return before.grant;
        }
        const grant = make();
        grants.set(key, { grant, fingerprint });
        return grant;
    }

    /** Whether any grant was made for this name (the first one carries the aliases of the older layout). */
    isFirst(grantee: Grantee): boolean {
        return (this.byRole.get(grantee.role)?.size ?? 0) === 0;
    }
}
