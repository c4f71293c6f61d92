/**
 * Grantees from names and ids: what a building block of the package gets instead of another component's role and
 * security group objects. The components' grants use only a role's name and a group's id, so a handle made of
 * those is all they need; one handle per client name, so that grants to the same client remember the same role.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GranteeRole } from "../components/policyStatements";

/** A client of a building block as its arguments name it: a name for its grant resources and an IAM role name. */
export interface NamedRole {
    readonly name: string;
    readonly roleName: pulumi.Input<string>;
}

/** The role handles of one building block's clients, by client name (the first role name given for a name is used). */
export function roleHandles(): (client: NamedRole) => GranteeRole {
    const byName = new Map<string, GranteeRole>();
    return (client) => {
        let role = byName.get(client.name);
        if (role === undefined) {
            role = { name: pulumi.output(client.roleName) };
            byName.set(client.name, role);
        }
        return role;
    };
}

/**
 * The security-group handles of one building block's clients: one per group id given as plain text (so that two
 * clients in one group get one NFS rule pair, as AWS refuses a duplicate rule), else one per client name.
 */
export function securityGroupHandles(): (client: { readonly name: string; readonly securityGroupId: pulumi.Input<string> }) => { readonly id: pulumi.Output<pulumi.ID> } {
    const byKey = new Map<string, { readonly id: pulumi.Output<pulumi.ID> }>();
    return (client) => {
        const key = typeof client.securityGroupId === "string" ? `id:${client.securityGroupId}` : `client:${client.name}`;
        let group = byKey.get(key);
        if (group === undefined) {
            group = { id: pulumi.output(client.securityGroupId) };
            byKey.set(key, group);
        }
        return group;
    };
}
