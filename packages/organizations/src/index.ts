export {
  CREATOR_ROLE_SLUG,
  invitationView,
  type Management,
  makeManagement,
  mirrorCreatedOrganization,
  mirrorInvitation,
  mirrorRemoval,
  mirrorRoleChange,
} from './management';
export {
  type ChangeRoleBody,
  type CreateOrganizationBody,
  changeRoleBody,
  createOrganizationBody,
  type InvitationView,
  type InviteBody,
  invitationSchema,
  inviteBody,
  memberSchema,
  membersPageSchema,
  organizationDetailSchema,
  organizationSummarySchema,
  parseBody,
  type RoleView,
  roleSchema,
} from './management-schemas';
export {
  decodeMembersCursor,
  encodeMembersCursor,
  MEMBERS_DEFAULT_LIMIT,
  MEMBERS_MAX_LIMIT,
  type MembersCursor,
  type MembersQuery,
  parseMembersQuery,
} from './members-query';
export {
  type Member,
  type MembersPage,
  makeOrganizations,
  type OrganizationDetail,
  type OrganizationSummary,
  type Organizations,
  organizationDetail,
} from './organizations';
export {
  type OrganizationPatch,
  organizationPatchSchema,
  parseOrganizationPatch,
  SETTINGS_MAX_BYTES,
} from './patch';
export { PERMISSIONS } from './permissions';
export { organizationSelector } from './tenancy';
export { workosRefusal } from './workos-errors';
export { type ManagementWorkOS, managementWorkOS, type WorkOSRole } from './workos-management';
