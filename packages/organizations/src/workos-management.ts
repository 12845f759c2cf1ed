import { segment, type WorkOSApi } from '@app/config/workos-api';
import {
  type MembershipData,
  membershipData,
  type OrganizationData,
  organizationData,
} from '@app/sync/events';
import { type InvitationData, invitationData } from '@app/sync/invitations';
import * as z from 'zod';

const roleList = z.object({
  data: z.array(
    z.object({
      slug: z.string(),
      name: z.string(),
      description: z.string().nullish(),
      permissions: z.array(z.string()).nullish(),
    }),
  ),
});
export type WorkOSRole = z.infer<typeof roleList>['data'][number];

/**
 * The WorkOS calls organization management makes, each answering WorkOS's object checked against the
 * schema the sync worker reads the same object with (an answer of another shape fails the call).
 */
export type ManagementWorkOS = {
  createOrganization(input: { name: string; domains?: string[] | undefined }): Promise<OrganizationData>;
  deleteOrganization(id: string): Promise<void>;
  createMembership(input: {
    organizationId: string;
    userId: string;
    roleSlug: string;
  }): Promise<MembershipData>;
  updateMembershipRole(membershipId: string, roleSlug: string): Promise<MembershipData>;
  deleteMembership(membershipId: string): Promise<void>;
  sendInvitation(input: {
    email: string;
    organizationId: string;
    inviterUserId: string;
    roleSlug?: string | undefined;
  }): Promise<InvitationData>;
  getInvitation(id: string): Promise<InvitationData>;
  revokeInvitation(id: string): Promise<InvitationData>;
  resendInvitation(id: string): Promise<InvitationData>;
  listOrganizationRoles(organizationId: string): Promise<WorkOSRole[]>;
};

const MEMBERSHIPS = '/user_management/organization_memberships';
const INVITATIONS = '/user_management/invitations';

/** ManagementWorkOS over the WorkOS REST client: the paths, methods and bodies the WorkOS API takes. */
export function managementWorkOS(api: WorkOSApi): ManagementWorkOS {
  const invitation = async (answer: Promise<unknown>) => invitationData.parse(await answer);
  const membership = async (answer: Promise<unknown>) => membershipData.parse(await answer);
  return {
    createOrganization: async ({ name, domains }) =>
      organizationData.parse(
        await api.post('/organizations', {
          name,
          // Pending: a domain is only trusted once verified in WorkOS.
          ...(domains?.length
            ? { domain_data: domains.map((domain) => ({ domain, state: 'pending' })) }
            : {}),
        }),
      ),
    deleteOrganization: (id) => api.delete(`/organizations/${segment(id)}`),
    createMembership: ({ organizationId, userId, roleSlug }) =>
      membership(
        api.post(MEMBERSHIPS, { organization_id: organizationId, user_id: userId, role_slug: roleSlug }),
      ),
    updateMembershipRole: (id, roleSlug) =>
      membership(api.put(`${MEMBERSHIPS}/${segment(id)}`, { role_slug: roleSlug })),
    deleteMembership: (id) => api.delete(`${MEMBERSHIPS}/${segment(id)}`),
    sendInvitation: ({ email, organizationId, inviterUserId, roleSlug }) =>
      invitation(
        api.post(INVITATIONS, {
          email,
          organization_id: organizationId,
          inviter_user_id: inviterUserId,
          ...(roleSlug ? { role_slug: roleSlug } : {}),
        }),
      ),
    getInvitation: (id) => invitation(api.get(`${INVITATIONS}/${segment(id)}`)),
    revokeInvitation: (id) => invitation(api.post(`${INVITATIONS}/${segment(id)}/revoke`, {})),
    resendInvitation: (id) => invitation(api.post(`${INVITATIONS}/${segment(id)}/resend`, {})),
    listOrganizationRoles: async (organizationId) =>
      roleList.parse(await api.get(`/authorization/organizations/${segment(organizationId)}/roles`)).data,
  };
}
