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
export { organizationSelector } from './tenancy';
